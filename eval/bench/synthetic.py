"""Synthetic stores: random unit vectors and text drawn from a small Arabic, French and English vocabulary.

Latency depends on the index size and on how many passages a query's terms occur in, not on what
the text means. Stores are kept in a cache folder between runs (keyed by size and by
:data:`SYNTHETIC_VERSION`), since filling 100,000 passages takes minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.machine import store_disk
from eval.bench.runner import in_child
from eval.bench.workload import COUNTRIES
from kb.config import StoreConfig
from kb.embed import DIM
from kb.store import Store

CHUNKS_PER_DOC = 20


SYNTHETIC_VERSION = "2"  # bump when fill_synthetic writes something else: cached stores are refilled then


# Words of synthetic passages, most frequent first (drawn with Zipf-like weights), so that query
# terms occur in many passages and BM25 has postings to score.
_WORDS = {
    "en": (
        "the of and to in for support enterprises small medium investment law article programme fund technology "
        "park cluster governance body incentives tax exemption start-up eligibility criteria definition agency "
        "ministry decree export credit guarantee innovation management authority council evaluation budget "
        "region development employment training research zone customs loan upgrading"
    ),
    "fr": (
        "de la le des et les en pour du entreprises soutien petites moyennes investissement loi article programme "
        "fonds technologique parc pôle gouvernance organe incitations fiscales exonération start-up éligibilité "
        "critères définition agence ministère décret exportation crédit garantie innovation gestion autorité "
        "conseil évaluation budget région développement emploi formation recherche zone douane prêt mise niveau"
    ),
    "ar": (
        "في من على إلى الذي المؤسسات دعم الصغيرة والمتوسطة الاستثمار قانون المادة برنامج صندوق التكنولوجية "
        "المناطق القطب حوكمة هيئة حوافز ضريبية إعفاء الناشئة الأهلية شروط تعريف وكالة وزارة مرسوم التصدير "
        "قروض ضمان الابتكار تسيير سلطة مجلس تقييم ميزانية الجهة التنمية التشغيل التكوين البحث منطقة الجمارك تأهيل"
    ),
}


VOCABULARY = {lang: tuple(words.split()) for lang, words in _WORDS.items()}


FOREIGN_SHARE = 0.1  # of a synthetic passage's words taken from the other languages (names, acronyms, quotes)


def _lang(doc: int) -> str:
    return ("ar", "fr", "en")[doc % 3]


def _synthetic_fields(doc: int) -> dict[str, Any]:
    """Filterable fields shared by a synthetic document's record and its chunks."""
    return {"country": COUNTRIES[doc % len(COUNTRIES)], "doc_type": "law", "year": 2000 + doc % 25}


def _weights(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** 0.9
    normalised: np.ndarray = weights / weights.sum()
    return normalised


def synthetic_texts(first: int, langs: list[str], rng: np.random.Generator) -> list[str]:
    """Passages of 40 to 160 words in their language, with a share of words from the others."""
    texts: list[str] = []
    everything = [word for words in VOCABULARY.values() for word in words]
    for offset, lang in enumerate(langs):
        words = VOCABULARY[lang]
        count = int(rng.integers(40, 161))
        own = rng.choice(len(words), size=count, p=_weights(len(words)))
        drawn = [words[i] for i in own]
        for position in np.flatnonzero(rng.random(count) < FOREIGN_SHARE):
            drawn[position] = everything[int(rng.integers(len(everything)))]
        texts.append(f"{' '.join(drawn)} {first + offset}")
    return texts


def fill_synthetic(store: Store, size: int, seed: int = 0) -> None:
    """``size`` passages of random unit vectors in documents of 20 passages, countries and languages round-robin."""
    rng = np.random.default_rng(seed)
    for start in range(0, size, store.max_batch):
        n = min(store.max_batch, size - start)
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        docs = [i // CHUNKS_PER_DOC for i in range(start, start + n)]
        metas = [
            {
                **_synthetic_fields(doc),
                "doc_id": f"synthetic/{doc}",
                "doc_hash": f"h{doc}",
                "index": i % CHUNKS_PER_DOC,
                "lang": _lang(doc),
                "doc_lang": _lang(doc),
                "page_start": 1,
                "page_end": 1,
                "article": "",
                "section": "",
                "title": f"Synthetic {doc}",
                "source": f"synthetic/{doc}",
            }
            for i, doc in zip(range(start, start + n), docs, strict=True)
        ]
        store.chunks.add(
            ids=[f"s{i}" for i in range(start, start + n)],
            embeddings=vectors,
            documents=synthetic_texts(start, [_lang(doc) for doc in docs], rng),
            metadatas=metas,
        )
    docs_total = (size + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC
    for start in range(0, docs_total, store.max_batch):
        ids = list(range(start, min(docs_total, start + store.max_batch)))
        store.documents.upsert(
            ids=[f"synthetic/{d}" for d in ids],
            embeddings=[[0.0]] * len(ids),
            metadatas=[
                {
                    **_synthetic_fields(d),
                    "doc_id": f"synthetic/{d}",
                    "content_hash": f"h{d}",
                    "title": f"Synthetic {d}",
                    "lang": _lang(d),
                    "chunks": min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC),
                }
                for d in ids
            ],
        )


def _fill_child(path: Path, size: int) -> float:
    start = time.perf_counter()
    fill_synthetic(Store(StoreConfig(path=path)), size)
    return round(time.perf_counter() - start, 1)


def synthetic_store(size: int, cache_dir: Path | None, workdir: Path) -> tuple[Path, float | None]:
    """A filled synthetic store of ``size`` passages and the seconds filling took (None: reused from the cache).

    Kept in ``cache_dir`` when given (a ``complete`` marker, written last, says it is whole);
    otherwise filled in ``workdir``, which the caller deletes.
    """
    base = cache_dir if cache_dir is not None else workdir
    path = base / f"synthetic-v{SYNTHETIC_VERSION}-{size}"
    marker = path / "complete"
    if marker.is_file():
        return path, None
    shutil.rmtree(path, ignore_errors=True)  # an interrupted fill
    path.mkdir(parents=True)
    seconds = in_child(_fill_child, path, size)
    # The fill time and the disk size as filled go into the marker: a reused store still reports them,
    # and later runs add the llama-index collection to the same folder, which would inflate its size.
    facts = {"size": size, "fill_s": seconds, "disk": store_disk(path), "load_1m": round(os.getloadavg()[0], 2)}
    marker.write_text(json.dumps(facts) + "\n", encoding="utf-8")
    return path, seconds


def synthetic_facts(path: Path) -> dict[str, Any]:
    """What the fill of the synthetic store at ``path`` recorded: ``fill_s`` and ``disk`` (empty for older markers)."""
    try:
        facts = json.loads((path / "complete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}
