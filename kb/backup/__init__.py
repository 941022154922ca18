"""Export the knowledge base to a folder and restore it, embeddings included: nothing is re-embedded.

A backup is a plain folder of four files:

``manifest.json``
    format and version, the embedding model and store schema it needs, counts, creation time, the
    source store, and the size and SHA-256 of each of the three other files.
``documents.jsonl``
    one commit record per line: ``{"id", "metadata", "embedding"}`` (the documents collection's row).
``chunks.jsonl``
    one committed chunk per line: ``{"id", "text", "metadata"}``.
``embeddings.npy``
    float32, one row per line of ``chunks.jsonl``, exactly the vectors Chroma held.

Only committed chunks are exported (``doc_hash`` equal to their document's ``content_hash``); the
orphans of interrupted writes are skipped and counted. Both directions stream in batches of the
store's ``max_batch``: a million chunks never sit in memory at once. Restore follows the store's
commit protocol (a document's chunks first, then its row), so an interrupted restore leaves only
invisible orphans and running it again completes it.

The package's modules, one job each: :mod:`kb.backup.folder` (the folder's files, its manifest
record, checksums and progress), :mod:`kb.backup.export`, :mod:`kb.backup.verify` and
:mod:`kb.backup.restore`.
"""

from kb.backup.export import ExportReport, export_store
from kb.backup.folder import CHUNKS, DATA_FILES, DOCUMENTS, EMBEDDINGS, MANIFEST, Manifest, Progress, tty_progress
from kb.backup.restore import RestoreReport, restore_store
from kb.backup.verify import verify_backup

__all__ = [
    "CHUNKS", "DATA_FILES", "DOCUMENTS", "EMBEDDINGS", "MANIFEST", "ExportReport", "Manifest", "Progress",
    "RestoreReport", "export_store", "restore_store", "tty_progress", "verify_backup",
]  # fmt: skip
