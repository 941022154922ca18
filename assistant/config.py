"""Settings of the answerer, part of the one settings object built at the edge (policykb.settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.errors import InvalidValue
from assistant.throttle import ThrottleConfig

DIMENSIONS_FILE = Path(__file__).with_name("data") / "dimensions.tsv"  # the bundled dimension lexicon (assistant.dimensions)

Answerer = Literal["extractive", "llm"]


@dataclass(frozen=True)
class LLMConfig:
    """An optional generator behind an OpenAI-compatible or Ollama endpoint (never required)."""

    kind: Literal["openai", "ollama"] = "openai"
    base_url: str = ""  # e.g. http://127.0.0.1:11434 (Ollama) or http://host:8000/v1 (OpenAI-compatible)
    model: str = ""
    api_key: str = "not-needed"
    timeout_s: float = 60.0
    temperature: float = 0.0


@dataclass(frozen=True)
class TranslateConfig:
    """An optional LibreTranslate-compatible service (``POST {url}/translate``) that adds a labelled
    machine translation under each quote in another language than the question's. Off by default;
    never presented as the source's words (assistant.translate)."""

    url: str = ""  # e.g. http://127.0.0.1:5000 for a LibreTranslate on this machine; "" = off
    api_key: str = ""
    timeout_s: float = 10.0


@dataclass(frozen=True)
class AssistantConfig:
    answerer: Answerer = "extractive"
    # Passages searched per country, and at most this many from one document: a law that answers
    # holds its answer in one or two of its articles, which need not be its best-matching three.
    # On the gold set, 8 and 3 put a gold evidence sentence in 52.4% of answers, 12 and 5 in 56.4%
    # (eval/README.md, "Answers").
    passages_per_country: int = 12
    passages_per_document: int = 5
    # Countries a question without any place name is answered for, at most: those whose best passage
    # is within open_question_margin of the best passage's similarity (assistant.evidence).
    open_question_countries: int = 3
    open_question_margin: float = 0.02
    findings_per_country: int = 3
    # Abstain when no passage reaches this relevance (assistant.relevance); a country whose best
    # passage stays below it is reported as lacking evidence. Calibrated on the gold set's
    # no-answer queries: `policykb eval --answers` reports the best value (calibrated_min_relevance, eval/README.md).
    # The threshold, coverage_weight and cross_lingual_offset are calibrated together: relevance is
    # similarity + coverage_weight * coverage (+ cross_lingual_offset across languages), so changing
    # either weight moves every relevance and the threshold must be calibrated again.
    min_relevance: float = 0.886
    # Weight of term coverage beside cosine similarity. Chosen on the gold set's answerable against
    # no-answer queries (ROC AUC 0.73 for similarity alone, 0.80 with coverage at 0.15; flat from 0.1 to 0.3).
    coverage_weight: float = 0.15
    # Cosine similarity across languages runs lower than within one: on the gold set, a question's
    # best passage in a relevant document scores 0.868 on average in the question's language and 0.826
    # in another. The difference is added to cross-language passages so one threshold serves both.
    cross_lingual_offset: float = 0.04
    # Once one country clears min_relevance, the question is answerable: another country's passages
    # count as evidence down to this much lower (comparative questions often match one country's
    # wording best). Countries below are reported as lacking evidence.
    country_margin: float = 0.03
    # A country also needs a passage whose similarity to the question is within this much of the best
    # country's: in a regional question, a country whose texts only share the general vocabulary of
    # policy is "nothing on this point", not evidence (assistant.extractive.collect).
    country_similarity_margin: float = 0.05
    redundancy: float = 0.3  # MMR penalty for a sentence close to one already chosen
    closest_documents: int = 5  # shown when the assistant abstains
    cell_words: int = 25  # a grid cell shows the start of its quote, cut at a word
    # The grid's dimensions and the words that signal each (assistant.dimensions); env POLICYKB_DIMENSIONS.
    dimensions_path: Path = DIMENSIONS_FILE
    llm: LLMConfig = LLMConfig()
    translate: TranslateConfig = TranslateConfig()

    def __post_init__(self) -> None:
        counts = (self.passages_per_country, self.passages_per_document, self.findings_per_country, self.open_question_countries)
        if min(counts) < 1:
            raise InvalidValue(
                "passages_per_country, passages_per_document, findings_per_country and open_question_countries must be at least 1"
            )
        if not 0.0 <= self.redundancy <= 1.0:
            raise InvalidValue(f"redundancy must be within [0, 1], got {self.redundancy}")


@dataclass(frozen=True)
class WebConfig:
    """How ``policykb serve`` listens, who may do what, and the limits on what a request may carry."""

    host: str = "127.0.0.1"  # loopback unless the operator says otherwise
    port: int = 7860
    users_file: Path | None = None  # name:role:scrypt-hash lines (policykb user add); None and no admin password = no login
    # One administrator given by a password (POLICYKB_ADMIN_USER / POLICYKB_ADMIN_PASSWORD), for
    # deployments that pass secrets in the environment; hashed when the server starts. Never printed.
    admin_user: str = "admin"
    admin_password: str = field(default="", repr=False)
    # The folder the server's private temporary folder is made in (env GRADIO_TEMP_DIR); None: the system's.
    temp_parent: Path | None = None
    audit_log: Path | None = None  # JSONL of questions, answers, citations and uploads; None = off
    upload_dir: Path | None = None  # where uploaded originals are kept (they are served back as sources)
    # Each user's brief and saved conversations (SQLite); None keeps them in the server's temporary
    # folder, lost when it stops.
    saved_db: Path | None = None
    anonymous_upload: bool = False  # without login, may anyone add documents? (a one-person local install)
    max_question_chars: int = 2000
    max_upload_mb: int = 50  # per file
    max_upload_files: int = 20
    max_request_mb: int = 60  # any request body; a little above one upload
    # Bytes one signed-in session may send to the upload route in all (only those who may add
    # documents may upload at all: a reader's upload is refused before a byte is written).
    max_session_upload_mb: int = 500
    # 16 users at once: answers take tens of milliseconds on 2 cores, so a few workers drain the
    # queue; more would only contend for the cores. Ingestion has its own queue of one.
    ask_concurrency: int = 4
    queue_size: int = 64
    session_idle_s: float = 3600.0  # a signed-in session unused this long ends (Gradio's never do)
    throttle: ThrottleConfig = ThrottleConfig()  # delays after failed logins, per client address and name
    # Reverse proxies whose X-Forwarded-For / -Proto is believed (their addresses, or "*"). Empty: none, so
    # a client cannot pick the address that the throttle and the audit log see.
    trusted_proxies: tuple[str, ...] = ()
    # Gradio's uploads and exported briefs are deleted this long after they were written (and all of
    # them when the server stops): an export is downloaded within minutes, an upload ingested at once.
    temp_max_age_s: float = 3600.0
