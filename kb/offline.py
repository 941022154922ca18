"""Keep every library off the network at run time.

Set before Chroma, Gradio or huggingface_hub are imported: they read these at import time. Every entry
point calls it first: the CLI, and the benchmark and load-test child processes of eval. It lives in kb,
below them all, so that no stage imports the composition root to get it.
Chroma's own telemetry is switched off through its client settings (kb.store).
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",  # without it, gradio_client still calls out
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's environment switch, for any client we do not build
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
