"""BM25 over the store's passages: one index per passage language, derived from Chroma.

Chroma is the source of truth. This index is a cache of it, keyed by a fingerprint of the commit
records (document ids and content hashes) and of the analyser version: when the fingerprint on
disk differs from the store's, the index is rebuilt. The saved folder also names the Chroma
collection it was built from and the size and CRC-32 of every file, so a folder copied from another
store (same documents, other chunking) or damaged on disk is rebuilt too, never used. Analysed
tokens are kept per chunk (chunk ids carry their document's content hash, so an id always means the
same text), which makes a rebuild after an ingest analyse only the new chunks.

Each language group has its own BM25 (bm25s): a French query is analysed with French rules and
scored against French passages, and never pollutes Arabic scores with French stems.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.analysis import ANALYZER_VERSION, analyze_many
from kb.lexicalfiles import check_files, clear, clear_abandoned, data_files, size_and_crc, swap_in
from kb.store import Store

FORMAT_VERSION = "3"  # 3: file checksums and the source collection in the manifest
# Lucene's BM25 defaults; bm25s uses the same. Not tuned to the gold set.
BM25_K1 = 1.2
BM25_B = 0.75

logger = logging.getLogger(__name__)


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

    def __init__(
        self, key: str, chunk_ids: list[str], doc_ids: list[str], langs: list[str], groups: dict[str, _Group], source: str = ""
    ) -> None:
        self.key = key
        self.source = source  # the Chroma collection it was built from (store_identity), "" when unknown
        self.chunk_ids = chunk_ids
        self.doc_ids = doc_ids
        self.langs = langs
        self.groups = groups
        self.position = {chunk_id: i for i, chunk_id in enumerate(chunk_ids)}
        self._names: dict[str, np.ndarray] = {}  # per group, see _names_of

    @classmethod
    def build(cls, key: str, chunks: list[ChunkRow], tokens: list[list[str]], source: str = "") -> LexicalIndex:
        by_lang: dict[str, list[int]] = {}
        for i, row in enumerate(chunks):
            by_lang.setdefault(row.lang, []).append(i)
        groups = {lang: _Group.from_tokens(lang, rows, [tokens[i] for i in rows]) for lang, rows in by_lang.items()}
        interned: dict[str, str] = {}
        doc_ids = [interned.setdefault(row.doc_id, row.doc_id) for row in chunks]
        return cls(key, [row.chunk_id for row in chunks], doc_ids, [row.lang for row in chunks], groups, source)

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

    def _names_of(self, group: _Group) -> np.ndarray:
        """Each passage of ``group`` by its place in chunk-id order: equal scores are ranked by it, so
        two stores of the same documents (which may number their passages differently) keep the same
        candidates. Computed once per group."""
        names = self._names.get(group.lang)
        if names is None:
            ids = [self.chunk_ids[int(row)] for row in group.rows]
            names = np.empty(len(ids), dtype=np.int64)
            names[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
            self._names[group.lang] = names
        return names

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
            top = _top(scores, n, self._names_of(group))
            found[lang] = [(int(group.rows[i]), float(scores[i])) for i in top]
        return found

    # --- persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write into a fresh folder, then rename it into place: readers never see half an index."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        clear_abandoned(directory)
        temp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-"))
        try:
            (temp / "chunks.json").write_text(
                json.dumps({"chunk_ids": self.chunk_ids, "doc_ids": self.doc_ids, "langs": self.langs}, ensure_ascii=False),
                encoding="utf-8",
            )
            for index, (_, group) in enumerate(sorted(self.groups.items())):
                (temp / f"vocab-{index}.json").write_text(json.dumps(group.vocab, ensure_ascii=False), encoding="utf-8")
                for name in ("rows", "flat", "offsets"):
                    np.save(temp / f"{name}-{index}.npy", getattr(group, name))
                group.bm25.save(temp / f"bm25-{index}", show_progress=False)  # loaded as is: no rebuild at start-up
            manifest = {
                "format": FORMAT_VERSION,
                "key": self.key,
                "source": self.source,
                "groups": sorted(self.groups),
                "chunks": len(self.chunk_ids),
                "files": {name: list(size_and_crc(temp / name)) for name in data_files(temp)},
            }
            (temp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")  # written last: marks it complete
            swap_in(temp, directory)
        except BaseException:
            clear(temp)
            raise

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it is damaged in any way (it is rebuilt then).

        Every file is checked against the size and CRC-32 the manifest gives (a damaged .npy can load
        with plausible but wrong numbers), then the arrays' shapes against each other.
        """
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
                return None
            problem = check_files(directory, manifest["files"])
            if problem is None:
                index = cls._read(directory, manifest)
                problem = index._inconsistency(int(manifest["chunks"]))
                if problem is None:
                    return index
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
            if not (directory / "manifest.json").exists():
                return None  # none saved yet: nothing to report
            problem = f"{type(err).__name__}: {err}"
        logger.warning("%s: the saved lexical index is damaged (%s); it is rebuilt", directory, problem)
        return None

    @classmethod
    def _read(cls, directory: Path, manifest: dict[str, Any]) -> LexicalIndex:
        import bm25s

        chunks = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
        groups: dict[str, _Group] = {}
        for index, lang in enumerate(manifest["groups"]):
            vocab = json.loads((directory / f"vocab-{index}.json").read_text(encoding="utf-8"))
            # Memory-mapped: the tokens are only read when the next build reuses them.
            arrays = {name: np.load(directory / f"{name}-{index}.npy", mmap_mode="r") for name in ("rows", "flat", "offsets")}
            bm25 = bm25s.BM25.load(directory / f"bm25-{index}", load_vocab=False, show_progress=False)
            bm25.vocab_dict = vocab
            groups[str(lang)] = _Group(str(lang), np.asarray(arrays["rows"]), vocab, arrays["flat"], arrays["offsets"], bm25)
        key, source = str(manifest["key"]), str(manifest.get("source") or "")
        return cls(key, list(chunks["chunk_ids"]), list(chunks["doc_ids"]), list(chunks["langs"]), groups, source)

    def _inconsistency(self, expected: int) -> str | None:
        """What does not fit in a loaded index (shapes only: cheap, no pass over the tokens), or None."""
        total = len(self.chunk_ids)
        if not total == expected == len(self.doc_ids) == len(self.langs):
            return f"{expected} passages announced, {total} ids, {len(self.doc_ids)} documents, {len(self.langs)} languages"
        if sum(len(group.rows) for group in self.groups.values()) != total:
            return "the language groups do not cover the passages"
        for group in self.groups.values():
            rows, offsets, flat = group.rows, group.offsets, group.flat
            if rows.ndim != 1 or offsets.shape != (len(rows) + 1,) or flat.ndim != 1 or int(offsets[-1]) != len(flat):
                return f"{group.lang}: token arrays of the wrong shape"
            if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= total):
                return f"{group.lang}: passage numbers out of range"
            if len(group.vocab) and max(group.vocab.values()) >= len(group.vocab):
                return f"{group.lang}: vocabulary numbers out of range"
            scores = group.bm25.scores
            data, indices, indptr = scores.get("data"), scores.get("indices"), scores.get("indptr")
            if data is None or indices is None or indptr is None or scores.get("num_docs") != len(rows):
                return f"{group.lang}: BM25 matrix missing or of another passage count"
            # bm25s adds "" to the vocabulary it is given: one column per entry, plus or minus that one.
            if len(indptr) not in (len(group.vocab), len(group.vocab) + 1) or not int(indptr[-1]) == len(data) == len(indices):
                return f"{group.lang}: BM25 matrix does not match the vocabulary"
            if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= len(rows)):
                return f"{group.lang}: BM25 matrix names passages out of range"
        return None


def store_identity(store: Store) -> str:
    """Which Chroma collection the passages come from: a new or rebuilt store gets a new one."""
    return str(getattr(store.chunks, "id", ""))


def _top(scores: np.ndarray, n: int, names: np.ndarray) -> np.ndarray:
    """Positions of the ``n`` best positive scores, ties by ``names`` (a plain partition would cut a
    tie by position). Only the positive scores are sorted: a rare query term matches few passages."""
    chosen = np.flatnonzero(scores > 0.0)
    if len(chosen) > n:
        cut = np.partition(scores[chosen], len(chosen) - n)[len(chosen) - n]  # the n-th best score
        chosen = chosen[scores[chosen] >= cut]
    return chosen[np.lexsort((names[chosen], -scores[chosen]))][:n]


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
    return LexicalIndex.build(key, chunks, tokens, store_identity(store))


def indexed_text(text: str, meta: Mapping[str, Any]) -> str:
    """The passage with its document title and headings, as the dense side embeds it."""
    context = (str(meta.get(key) or "") for key in ("title", "article", "section"))
    return "\n".join(part for part in (*context, text) if part)


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
        if saved is not None and saved.key == key and _belongs(saved, store, records):
            return saved
        if saved is not None and saved.source == store_identity(store):
            previous = previous or saved  # reuse the tokens of chunks that did not change
    committed = {doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()}
    index = build_from_store(store, key, committed, previous)
    if directory is not None:
        index.save(directory)
    return index


def _belongs(index: LexicalIndex, store: Store, records: Mapping[str, Mapping[str, Any]]) -> bool:
    """Built from this very collection, with as many passages as the commit records count.

    The key alone names the documents, not the store: another store of the same documents chunked
    otherwise has the same key, and its index would point at passages this store does not hold.
    """
    if index.source != store_identity(store):
        logger.warning("the saved lexical index was built from another store; it is rebuilt")
        return False
    counts = [meta.get("chunks") for meta in records.values()]
    return not all(isinstance(n, int) for n in counts) or sum(int(n) for n in counts if isinstance(n, int)) == len(index)


def update_index(store: Store, directory: Path) -> LexicalIndex:
    """Bring the saved lexical index in step with the store (after an ingest)."""
    records = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    key = fingerprint({doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()})
    return ensure_lexical_index(store, directory, key, records)
