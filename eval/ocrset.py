"""An OCR test set: the sample corpus as published, and the same corpus with a few of its PDFs as page scans.

:func:`build_ocr_set` picks PDFs of ``corpus/documents`` that gold queries judge relevant, the same
number in Arabic, French and English, and writes two folder datasets (``eval.beir``: ``documents/``,
``queries.jsonl``, ``qrels/test.tsv``) that both hold the whole corpus (every document file with its
sidecar) under the same document ids. They differ in the chosen PDFs only: ``clean/`` has them as
published, with their text layers; in ``scanned/`` each of their pages is rasterised in grey
(``pdftoppm -gray``) and put back as an image-only PDF (Pillow's PDF writer, JPEG-compressed like
most scans), so that ingest has to OCR it. The queries are the gold queries with a relevant document
among the chosen PDFs, with all their judgements: the scanned documents compete with the whole
corpus, and comparing the two evaluations measures what OCR costs retrieval.

Limits: the pages are clean renders, not paper scans (no skew, noise or bleed-through), so the gap
measured is a lower bound of what real scans cost. Needs ``pdftoppm`` (Debian: poppler-utils).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from eval.beir import DOCUMENTS, GOLD_DOCUMENTS, NO_KIND, QRELS, QUERIES, Dataset, Query, load_dataset
from eval.errors import EvalError, InvalidValue

LANGUAGES = ("ar", "fr", "en")
CLEAN, SCANNED = "clean", "scanned"
PDFTOPPM_TIMEOUT_S = 120  # one page at 300 dpi takes well under a second


class OcrSetError(EvalError):
    """The OCR set cannot be built (a tool is missing, too few documents, the output folder is taken)."""


class OcrSet(NamedTuple):
    clean: Path  # folder dataset over the corpus as published
    scanned: Path  # the same corpus with the chosen PDFs as image-only scans; same ids, queries and judgements
    documents: tuple[str, ...]  # the chosen (scanned) document ids, paths relative to documents/, sorted
    pages: int  # pages of the chosen documents together
    corpus: int  # documents in each half, the chosen ones included


class _Candidate(NamedTuple):
    doc_id: str
    lang: str
    judged: int  # queries that judge the document relevant


def document_language(path: Path) -> str:
    """The document's language: its sidecar's ``lang``, else the ``.xx`` before ``.pdf`` in its name."""
    from ingest.metadata import read_sidecar

    fields, _ = read_sidecar(path)
    given = fields.get("lang") or fields.get("language")
    if isinstance(given, str) and given.strip():
        return given.strip().lower()
    return Path(path.stem).suffix.lstrip(".").lower()


def _candidates(dataset: Dataset, documents: Path) -> list[_Candidate]:
    """The PDFs of ``documents`` relevant to at least one judged query, most judged first, then by id."""
    judged: dict[str, int] = {}
    for query in dataset.judged_queries():
        for doc_id, grade in dataset.qrels[query.query_id].items():
            if grade > 0:
                judged[doc_id] = judged.get(doc_id, 0) + 1
    found: list[_Candidate] = []
    for path in sorted(documents.rglob("*.pdf")):
        doc_id = path.relative_to(documents).as_posix()
        if doc_id in judged and not any(part.startswith(".") for part in PurePosixPath(doc_id).parts):
            found.append(_Candidate(doc_id, document_language(path), judged[doc_id]))
    return sorted(found, key=lambda c: (-c.judged, c.doc_id))


def choose_documents(dataset: Dataset, documents: Path, per_language: int) -> tuple[str, ...]:
    """``per_language`` PDFs in each of Arabic, French and English, those judged relevant most often (ties: by id).

    Raises :class:`OcrSetError` when a language has fewer such PDFs.
    """
    if per_language < 1:
        raise InvalidValue(f"per_language must be at least 1, got {per_language}")
    candidates = _candidates(dataset, documents)
    chosen: list[str] = []
    for lang in LANGUAGES:
        of_lang = [c.doc_id for c in candidates if c.lang == lang][:per_language]
        if len(of_lang) < per_language:
            raise OcrSetError(
                f"{documents}: {len(of_lang)} PDF(s) in '{lang}' are relevant to a query of {dataset.name}, "
                f"{per_language} wanted; lower per_language"
            )
        chosen += of_lang
    return tuple(sorted(chosen))


def _query_row(query: Query) -> dict[str, object]:
    row: dict[str, object] = {"_id": query.query_id, "text": query.text, "lang": query.lang}
    if query.kind != NO_KIND:
        row["kind"] = query.kind
    if query.countries:
        row["countries"] = list(query.countries)
    evidence = [{"corpus_id": doc, "quote": quote} for doc, quote in query.evidence]
    if evidence:
        row["evidence"] = evidence
    return row


def write_judgements(dataset: Dataset, doc_ids: Sequence[str], root: Path) -> int:
    """``queries.jsonl`` and ``qrels/test.tsv`` of ``root``: the queries with a relevant document among ``doc_ids``,
    with all their judgements and evidence (not only those of ``doc_ids``). Returns the number of queries written."""
    chosen = set(doc_ids)
    queries = [
        q for q in dataset.judged_queries() if any(g > 0 and doc in chosen for doc, g in dataset.qrels[q.query_id].items())
    ]
    rows = [json.dumps(_query_row(q), ensure_ascii=False) + "\n" for q in queries]
    (root / QUERIES).write_text("".join(rows), encoding="utf-8")
    lines = ["query-id\tcorpus-id\tscore\n"]
    for query in queries:
        lines += [f"{query.query_id}\t{doc}\t{grade}\n" for doc, grade in dataset.qrels[query.query_id].items()]
    (root / QRELS).parent.mkdir(parents=True, exist_ok=True)
    (root / QRELS).write_text("".join(lines), encoding="utf-8")
    return len(queries)


def _copy_with_sidecars(source: Path, target: Path) -> None:
    from ingest.metadata import sidecar_paths

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    for sidecar in sidecar_paths(source):
        if sidecar.is_file():
            shutil.copyfile(sidecar, target.parent / sidecar.name)


def corpus_files(documents: Path) -> list[str]:
    """Ids of the files ingest reads under ``documents`` (hidden entries, sidecars and unknown types left out), sorted."""
    from ingest.load import discover

    return sorted(found.relative.as_posix() for found in discover([documents]).sources)


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def rasterise(source: Path, target: Path, dpi: int) -> int:
    """Write ``target``: every page of ``source`` as a grey image of ``dpi`` dots per inch, and nothing else.

    The page keeps its physical size. Returns the number of pages. Raises :class:`OcrSetError` when
    ``pdftoppm`` is missing or fails.
    """
    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OcrSetError("pdftoppm is missing: install poppler-utils (Debian: apt-get install poppler-utils)")
    pages = page_count(source)
    with tempfile.TemporaryDirectory(prefix="policykb-ocrset-") as tmp:
        images: list[Path] = []
        for number in range(1, pages + 1):
            prefix = Path(tmp) / f"page-{number}"
            # PGM, not -png: poppler 22 writes a -gray PNG as RGB (see ingest/ocr.py).
            command = [pdftoppm, "-r", str(dpi), "-gray", "-f", str(number), "-l", str(number), "-singlefile"]
            try:
                subprocess.run([*command, str(source), str(prefix)], check=True, capture_output=True, timeout=PDFTOPPM_TIMEOUT_S)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
                stderr = getattr(err, "stderr", b"") or b""
                detail = stderr.decode(errors="replace").strip().splitlines()[-1:] or [str(err)]
                raise OcrSetError(f"{source}: page {number}: pdftoppm failed ({detail[0]})") from err
            images.append(prefix.with_suffix(".pgm"))
        opened = [Image.open(path) for path in images]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # No creation or modification date: the same input gives the same bytes.
            opened[0].save(
                target,
                "PDF",
                save_all=True,
                append_images=opened[1:],
                resolution=float(dpi),
                title=PurePosixPath(source.name).stem,
                producer="policykb eval.ocrset",
                creationDate=None,
                modDate=None,
            )
        finally:
            for image in opened:
                image.close()
    return pages


def build_ocr_set(
    out: Path,
    dataset: Dataset | None = None,
    documents: Path = GOLD_DOCUMENTS,
    per_language: int = 3,
    dpi: int = 200,
) -> OcrSet:
    """Write ``out/clean`` and ``out/scanned``: two folder datasets over the whole of ``documents``, the chosen PDFs
    as published in one and as scans in the other.

    ``dataset`` (default: the gold set) gives the queries and judgements; its document ids are paths
    relative to ``documents``. See the module docstring for the choice of documents and queries. The
    output is the same for the same inputs. Raises :class:`OcrSetError` when ``out/clean`` or
    ``out/scanned`` already exists, when a language has too few relevant PDFs, or when ``pdftoppm`` is
    missing.
    """
    if dpi < 50:
        raise InvalidValue(f"dpi must be at least 50 for OCR to read anything, got {dpi}")
    dataset = dataset if dataset is not None else load_dataset(None)
    clean, scanned = out / CLEAN, out / SCANNED
    for folder in (clean, scanned):
        if folder.exists():
            raise OcrSetError(f"{folder}: already exists; remove it or build the set in another folder")
    doc_ids = choose_documents(dataset, documents, per_language)
    corpus = corpus_files(documents)
    for doc_id in corpus:
        _copy_with_sidecars(documents / doc_id, clean / DOCUMENTS / doc_id)
        _copy_with_sidecars(documents / doc_id, scanned / DOCUMENTS / doc_id)
    pages = sum(rasterise(documents / doc_id, scanned / DOCUMENTS / doc_id, dpi) for doc_id in doc_ids)  # replace the copies
    for root in (clean, scanned):
        write_judgements(dataset, doc_ids, root)
    return OcrSet(clean, scanned, doc_ids, pages, len(corpus))
