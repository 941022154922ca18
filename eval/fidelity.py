"""Text fidelity of PDF ingest: what the store holds against what the page was meant to say.

Every PDF of the sample corpus is written from a clean Markdown source (``corpus/sources``), so the
passages ingest stores for it can be compared with the text the writer was given. Two figures per
document:

- ``verbatim``: the share of source sentences (and headings, list items) found word for word in the
  stored passages, after normalising whitespace and Unicode compatibility forms (NFKC: presentation
  forms, ligatures) on both sides, and nothing else. Where the page carries no Arabic vowel marks at
  all (writers that shape into presentation forms drop them), the marks are dropped from the source
  too: the page never said them.
- ``similarity``: a character-level similarity (difflib's ratio) of the whole stored text, in reading
  order, with the whole source text.

No embedding and no store: the file goes through the ingest reader, page repairs, normaliser and
chunker only (``python -m eval.fidelity`` takes a few seconds a document).

Limits: the source's Markdown is turned into text by a few rules (headings, list items, links,
emphasis), like the corpus writers do; a writer that prints list markers as text ("•") adds a
character per item to the similarity's denominator, not to the verbatim figure.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.load import SourceFile, load_document
from ingest.markdown import split_front_matter

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "corpus" / "sources"
DOCUMENTS_DIR = ROOT / "corpus" / "documents"
SKIPPED = frozenset({"README.md", "SOURCES.md"})

_FRONT = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+\S")
_COMMENT = re.compile(r"^<!--.*-->$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?؟;؛:])\s+(?=\S)")
_SPACES = re.compile(r"\s+")
_BIDI_CONTROLS = re.compile(r"[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]")
_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670]")


def normalise(text: str) -> str:
    """NFKC, no bidi controls, every run of whitespace one space: the only differences forgiven."""
    return _SPACES.sub(" ", _BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", text))).strip()


def source_blocks(markdown: str) -> list[str]:
    """The text blocks (headings, paragraphs, list items) of a corpus source, as its writers print them."""
    return [text for _, text in typed_blocks(markdown)]


def typed_blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) per block of a corpus source: kind is "h1", "h2", "h3", "p" or "li"."""
    body = _FRONT.sub("", markdown.replace("\r\n", "\n"), count=1)
    blocks: list[tuple[str, str]] = []
    current: list[str] = []
    kind = "p"

    def flush() -> None:
        nonlocal current, kind
        if current:
            blocks.append((kind, _EMPHASIS.sub("", _LINK.sub(r"\1", " ".join(current)))))
        current, kind = [], "p"

    for raw in body.split("\n"):
        line = raw.strip()
        if not line or _COMMENT.match(line):
            flush()
        elif heading := _HEADING.match(line):
            flush()
            level = min(3, len(line) - len(line.lstrip("#")))
            blocks.append((f"h{level}", _EMPHASIS.sub("", _LINK.sub(r"\1", heading.group(1)))))
        elif bullet := _BULLET.match(line):
            flush()
            current, kind = [bullet.group(1)], "li"
        elif _NUMBERED.match(line):
            flush()
            current = [line]
        else:
            if kind == "li" and not raw[:1].isspace():
                flush()
            current.append(line)
    flush()
    return blocks


def sentences(blocks: Iterable[str]) -> list[str]:
    return [piece for block in blocks for piece in _SENTENCE_END.split(block) if piece.strip()]


@dataclass(frozen=True)
class Fidelity:
    doc_id: str
    lang: str
    sentences: int
    found: int
    similarity: float  # 0..1
    missing: tuple[str, ...]  # the first few source sentences not found, for the report

    @property
    def verbatim(self) -> float:
        return self.found / self.sentences if self.sentences else 1.0


def compare(doc_id: str, lang: str, source_markdown: str, stored: str, keep_missing: int = 3) -> Fidelity:
    """Compare the stored text of one document with its source (both as given; normalised here)."""
    page = normalise(stored)
    blocks = source_blocks(source_markdown)
    if not _ARABIC_MARKS.search(page):
        blocks = [_ARABIC_MARKS.sub("", block) for block in blocks]
    wanted = [normalise(sentence) for sentence in sentences(blocks)]
    missing = [sentence for sentence in wanted if sentence not in page]
    whole = normalise(" ".join(blocks))
    ratio = difflib.SequenceMatcher(None, whole, page, autojunk=False).ratio()
    return Fidelity(doc_id, lang, len(wanted), len(wanted) - len(missing), round(ratio, 4), tuple(missing[:keep_missing]))


def stored_text(path: Path) -> str:
    """The passages ingest stores for one file, in order (chunked with a word count for tokens: no model)."""
    document = load_document(SourceFile(path=path, root=path.parent))
    chunks = chunk_document(document, lambda text: len(text.split()))
    return "\n".join(chunk.text for chunk in chunks)


def source_language(markdown: str) -> str:
    fields, _ = split_front_matter(Path("source.md"), markdown)
    return str(fields.get("lang", ""))


def corpus_pairs(documents: Path = DOCUMENTS_DIR, sources: Path = SOURCES_DIR, suffix: str = ".pdf") -> list[tuple[Path, Path]]:
    """(document, source) for every document with ``suffix`` under ``documents`` that has a source."""
    pairs = []
    for path in sorted(documents.rglob(f"*{suffix}")):
        relative = path.relative_to(documents)
        source = sources / relative.with_suffix(".md")
        if source.is_file() and source.name not in SKIPPED:
            pairs.append((path, source))
    return pairs


def measure(pairs: list[tuple[Path, Path]], root: Path, read: Callable[[Path], str] = stored_text) -> list[Fidelity]:
    results = []
    for document, source in pairs:
        markdown = source.read_text(encoding="utf-8")
        doc_id = document.relative_to(root).as_posix()
        results.append(compare(doc_id, source_language(markdown), markdown, read(document)))
    return results


@dataclass(frozen=True)
class Summary:
    lang: str
    documents: int
    sentences: int
    found: int
    worst_verbatim: float
    mean_similarity: float
    worst_similarity: float

    @property
    def verbatim(self) -> float:
        return self.found / self.sentences if self.sentences else 1.0


def summarise(results: list[Fidelity]) -> list[Summary]:
    """Per language, then "all"."""
    groups: dict[str, list[Fidelity]] = {}
    for result in results:
        groups.setdefault(result.lang, []).append(result)
    groups["all"] = list(results)
    summaries = []
    for lang, group in groups.items():
        if not group:
            continue
        summaries.append(
            Summary(
                lang,
                len(group),
                sum(r.sentences for r in group),
                sum(r.found for r in group),
                min(r.verbatim for r in group),
                round(sum(r.similarity for r in group) / len(group), 4),
                min(r.similarity for r in group),
            )
        )
    return summaries


def render(results: list[Fidelity], worst: int = 8) -> str:
    lines = [
        "| lang | docs | sentences verbatim | worst doc | similarity (mean) | similarity (worst) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in summarise(results):
        lines.append(
            f"| {s.lang} | {s.documents} | {s.found}/{s.sentences} ({s.verbatim:.1%}) | {s.worst_verbatim:.1%} "
            f"| {s.mean_similarity:.3f} | {s.worst_similarity:.3f} |"
        )
    lines += ["", f"Worst {worst} documents (verbatim, similarity), with a sentence not found:"]
    for r in sorted(results, key=lambda r: (r.verbatim, r.similarity))[:worst]:
        example = f" «{r.missing[0][:90]}»" if r.missing else ""
        lines.append(f"- {r.doc_id} ({r.lang}): {r.verbatim:.1%}, {r.similarity:.3f}{example}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.fidelity",
        description="Compare the stored text of PDFs with the sources they were written from.",
        epilog="Examples:\n  python -m eval.fidelity\n  python -m eval.fidelity --only 'dz/*' --json\n"
        "  python -m eval.fidelity --documents /tmp/chromium-pdfs   # PDFs of the same sources by another writer",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--documents", type=Path, default=DOCUMENTS_DIR, help="folder of <cc>/<slug>.<lang>.pdf files")
    parser.add_argument("--sources", type=Path, default=SOURCES_DIR, help="folder of the Markdown sources")
    parser.add_argument("--only", default="", help="glob on the document path (e.g. 'eg/*.ar.pdf')")
    parser.add_argument("--json", action="store_true", help="one JSON object per document")
    args = parser.parse_args(argv)
    pairs = [(d, s) for d, s in corpus_pairs(args.documents, args.sources) if not args.only or d.match(args.only)]
    if not pairs:
        print(f"error: no PDF with a source under {args.documents}", file=sys.stderr)
        return 1
    results = measure(pairs, args.documents)
    if args.json:
        for result in results:
            print(json.dumps(asdict(result) | {"verbatim": round(result.verbatim, 4)}, ensure_ascii=False))
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
