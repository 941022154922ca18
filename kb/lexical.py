"""BM25 over the store's passages: one index per passage language, derived from Chroma.

Chroma is the source of truth. This index is a cache of it, keyed by a fingerprint of the commit
records (document ids and content hashes) and of the analyser version: when the fingerprint on
disk differs from the store's, the index is rebuilt. Analysed tokens are kept per chunk (chunk ids
carry their document's content hash, so an id always means the same text), which makes a rebuild
after an ingest analyse only the new chunks.

Each language group has its own BM25 (bm25s): a French query is analysed with French rules and
scored against French passages, and never pollutes Arabic scores with French stems.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.analysis import ANALYZER_VERSION, analyze_many
from kb.store import Store

FORMAT_VERSION = "2"
# Lucene's BM25 defaults; bm25s uses the same. Not tuned to the gold set.
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class ChunkRow:
    """What the search needs of a passage without asking Chroma: its document and language."""

    chunk_id: str
    doc_id: str
    lang: str


def fingerprint(documents: Mapping[str, str]) -> str:
    """A digest of the committed documents (id -> content hash) and of the analysis rules."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{ANALYZER_VERSION}".encode())
    for doc_id in sorted(documents):
        digest.update(f"\0{doc_id}\0{documents[doc_id]}".encode())
    return digest.hexdigest()


class _Group:
    """BM25 over the passages of one language, with their analysed tokens as vocabulary ids.

    The tokens are kept as one flat int32 array (not Python lists: 100k passages of 200 tokens
    would take over a gigabyte as strings) so that a rebuild can reuse them.
    """

    def __init__(
        self, lang: str, rows: np.ndarray, vocab: dict[str, int], flat: np.ndarray, offsets: np.ndarray, bm25: Any = None
    ) -> None:
        import bm25s

        self.lang = lang
        self.rows = rows  # positions in LexicalIndex.chunk_ids
        self.vocab = vocab
        self.flat = flat
        self.offsets = offsets
        if bm25 is None:
            corpus = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(rows))]
            bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
            bm25.index((corpus, vocab), show_progress=False)
        self.bm25 = bm25

    @classmethod
    def from_tokens(cls, lang: str, rows: list[int], tokens: list[list[str]]) -> _Group:
        vocab: dict[str, int] = {}
        flat = np.fromiter((vocab.setdefault(t, len(vocab)) for doc in tokens for t in doc), dtype=np.int32)
        offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum([len(doc) for doc in tokens], out=offsets[1:])
        return cls(lang, np.asarray(rows, dtype=np.int64), vocab, flat, offsets)

    def tokens_by_row(self) -> dict[int, list[str]]:
        words = np.empty(len(self.vocab), dtype=object)
        for token, index in self.vocab.items():
            words[index] = token
        return {int(row): words[self.flat[self.offsets[i] : self.offsets[i + 1]]].tolist() for i, row in enumerate(self.rows)}

    def document_frequency(self, token: str) -> int:
        """Passages of this group that contain ``token`` (bm25s keeps one column per token)."""
        index = self.vocab.get(token)
        if index is None:
            return 0
        indptr = self.bm25.scores["indptr"]
        return int(indptr[index + 1] - indptr[index])

    def scores(self, tokens: Iterable[str]) -> np.ndarray:
        ids = sorted({self.vocab[token] for token in tokens if token in self.vocab})
        if not ids:
            return np.zeros(len(self.rows), dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)


class LexicalIndex:
    """All committed passages (id, document, language) and a BM25 per language. Immutable once built."""

    def __init__(self, key: str, chunk_ids: list[str], doc_ids: list[str], langs: list[str], groups: dict[str, _Group]) -> None:
        self.key = key
        self.chunk_ids = chunk_ids
        self.doc_ids = doc_ids
        self.langs = langs
        self.groups = groups
        self.position = {chunk_id: i for i, chunk_id in enumerate(chunk_ids)}

    @classmethod
    def build(cls, key: str, chunks: list[ChunkRow], tokens: list[list[str]]) -> LexicalIndex:
        by_lang: dict[str, list[int]] = {}
        for i, row in enumerate(chunks):
            by_lang.setdefault(row.lang, []).append(i)
        groups = {lang: _Group.from_tokens(lang, rows, [tokens[i] for i in rows]) for lang, rows in by_lang.items()}
        interned: dict[str, str] = {}
        doc_ids = [interned.setdefault(row.doc_id, row.doc_id) for row in chunks]
        return cls(key, [row.chunk_id for row in chunks], doc_ids, [row.lang for row in chunks], groups)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def idf(self, tokens: Iterable[str], lang: str) -> dict[str, float]:
        """BM25's inverse document frequency of each token among the passages in ``lang`` (Lucene's
        form, never negative); a token no passage holds gets the highest weight."""
        group = self.groups.get(lang)
        total = len(group.rows) if group else 0
        weights: dict[str, float] = {}
        for token in tokens:
            df = group.document_frequency(token) if group else 0
            weights[token] = float(np.log(1.0 + (total - df + 0.5) / (df + 0.5)))
        return weights

    def tokens_by_chunk(self) -> dict[str, list[str]]:
        """Analysed tokens of every passage, for reuse by the next build."""
        found: dict[str, list[str]] = {}
        for group in self.groups.values():
            found.update({self.chunk_ids[row]: tokens for row, tokens in group.tokens_by_row().items()})
        return found

    def search(
        self, query_tokens: Mapping[str, list[str]], allowed: np.ndarray | None, n: int
    ) -> dict[str, list[tuple[int, float]]]:
        """Top ``n`` passages per language group: {lang: [(position in chunk_ids, BM25 score)]}.

        ``query_tokens`` gives the analysed query per group language (a group absent from it is not
        searched); ``allowed`` is a boolean mask over ``chunk_ids`` (filters), or None for all.
        """
        found: dict[str, list[tuple[int, float]]] = {}
        for lang, tokens in query_tokens.items():
            group = self.groups.get(lang)
            if group is None or not tokens:
                continue
            scores = group.scores(tokens)
            if allowed is not None:
                scores = np.where(allowed[group.rows], scores, 0.0)
            top = _top(scores, n)
            found[lang] = [(int(group.rows[i]), float(scores[i])) for i in top if scores[i] > 0.0]
        return found

    # --- persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write into a fresh folder, then rename it into place: readers never see half an index."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-"))
        try:
            manifest = {"format": FORMAT_VERSION, "key": self.key, "groups": sorted(self.groups)}
            (temp / "chunks.json").write_text(
                json.dumps({"chunk_ids": self.chunk_ids, "doc_ids": self.doc_ids, "langs": self.langs}, ensure_ascii=False),
                encoding="utf-8",
            )
            for index, (_, group) in enumerate(sorted(self.groups.items())):
                (temp / f"vocab-{index}.json").write_text(json.dumps(group.vocab, ensure_ascii=False), encoding="utf-8")
                for name in ("rows", "flat", "offsets"):
                    np.save(temp / f"{name}-{index}.npy", getattr(group, name))
                group.bm25.save(temp / f"bm25-{index}", show_progress=False)  # loaded as is: no rebuild at start-up
            (temp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")  # written last: marks it complete
            old = directory.with_name(f".{directory.name}-old")
            clear(old)
            if directory.exists():
                os.replace(directory, old)
            os.replace(temp, directory)
            clear(old)
        except BaseException:
            clear(temp)
            raise

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read (it is rebuilt then)."""
        import bm25s

        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                return None
            chunks = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
            groups: dict[str, _Group] = {}
            for index, lang in enumerate(manifest["groups"]):
                vocab = json.loads((directory / f"vocab-{index}.json").read_text(encoding="utf-8"))
                # Memory-mapped: the tokens are only read when the next build reuses them.
                arrays = {name: np.load(directory / f"{name}-{index}.npy", mmap_mode="r") for name in ("rows", "flat", "offsets")}
                bm25 = bm25s.BM25.load(directory / f"bm25-{index}", load_vocab=False, show_progress=False)
                bm25.vocab_dict = vocab
                groups[lang] = _Group(lang, np.asarray(arrays["rows"]), vocab, arrays["flat"], arrays["offsets"], bm25)
            return cls(str(manifest["key"]), chunks["chunk_ids"], chunks["doc_ids"], chunks["langs"], groups)
        except (OSError, ValueError, TypeError, KeyError):
            return None


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, n)[:n]
    return part[np.argsort(-scores[part], kind="stable")]


def build_from_store(store: Store, key: str, committed: Mapping[str, str], previous: LexicalIndex | None = None) -> LexicalIndex:
    """Read every committed passage from Chroma and index it; tokens of known chunk ids are reused."""
    known = previous.tokens_by_chunk() if previous is not None else {}
    chunks: list[ChunkRow] = []
    tokens: list[list[str]] = []
    todo: dict[str, list[tuple[int, str]]] = {}
    for chunk_id, text, meta in store.iter_chunks(with_text=lambda cid: cid not in known):
        if committed.get(str(meta.get("doc_id"))) != meta.get("doc_hash"):
            continue  # an orphan of an interrupted write: readers never see it
        lang = str(meta.get("lang") or "")
        chunks.append(ChunkRow(chunk_id, str(meta["doc_id"]), lang))
        tokens.append(known.get(chunk_id, []))
        if chunk_id not in known:
            todo.setdefault(lang, []).append((len(tokens) - 1, indexed_text(text or "", meta)))
    for lang, items in todo.items():
        for (position, _), analysed in zip(items, analyze_many([text for _, text in items], lang), strict=True):
            tokens[position] = analysed
    return LexicalIndex.build(key, chunks, tokens)


def indexed_text(text: str, meta: Mapping[str, Any]) -> str:
    """The passage with its document title and headings, as the dense side embeds it."""
    context = (str(meta.get(key) or "") for key in ("title", "article", "section"))
    return "\n".join(part for part in (*context, text) if part)


def clear(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def ensure_lexical_index(
    store: Store,
    directory: Path | None,
    key: str,
    records: Mapping[str, Mapping[str, Any]],
    previous: LexicalIndex | None = None,
) -> LexicalIndex:
    """The lexical index for the store as it is: loaded when the saved one matches, else rebuilt and saved."""
    if directory is not None:
        saved = LexicalIndex.load(directory)
        if saved is not None and saved.key == key:
            return saved
        previous = previous or saved  # reuse the tokens of chunks that did not change
    committed = {doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()}
    index = build_from_store(store, key, committed, previous)
    if directory is not None:
        index.save(directory)
    return index


def update_index(store: Store, directory: Path) -> LexicalIndex:
    """Bring the saved lexical index in step with the store (after an ingest)."""
    records = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    key = fingerprint({doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()})
    return ensure_lexical_index(store, directory, key, records)
