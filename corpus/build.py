#!/usr/bin/env python3
"""Regenerate corpus/documents/ from corpus/sources/ (see corpus/README.md for the source format).

Usage: python corpus/build.py [--only GLOB] [--check] [--sources DIR] [--out DIR]

Each ``sources/<cc>/<slug>.<lang>.md`` becomes ``documents/<cc>/<slug>.<lang>.<ext>`` in the format named by
its ``format`` front-matter key (md, html, docx, pdf, pdf-visual); every format but md also gets a
``<name>.meta.json`` sidecar holding the front matter minus ``format``. ``--check`` rebuilds into a
temporary directory and exits 1 if the committed documents are out of date.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# The corpus modules are imported from the checkout's root (on the path through the editable install,
# or pytest's rootdir), whether this file runs as a script or is loaded by path by the tests.
from corpus.errors import BuildFailed, CorpusError, SourceError
from corpus.pdfwriters import (
    FONT_BOLD,
    FONT_REGULAR,
    RL_FONT,
    RL_FONT_BOLD,
    to_visual,
    wrap_logical,
    write_pdf_shaped,
    write_pdf_visual,
)
from corpus.source import FORMAT_EXTENSIONS, META_SUFFIX, SourceDoc, parse_body, parse_source, plain_text, printable_blocks
from corpus.writers import write_docx, write_html, write_markdown, write_meta

__all__ = [  # what the tests and eval.writers use of the build, by loading this file
    "FONT_BOLD", "FONT_REGULAR", "RL_FONT", "RL_FONT_BOLD", "BuildFailed", "CorpusError", "SourceDoc", "SourceError",
    "parse_body", "parse_source", "plain_text", "printable_blocks", "to_visual", "wrap_logical", "write_docx",
    "write_html", "write_markdown", "write_meta", "write_pdf_shaped", "write_pdf_visual",
]  # fmt: skip

CORPUS_DIR = Path(__file__).resolve().parent
SOURCES_DIR = CORPUS_DIR / "sources"
DOCUMENTS_DIR = CORPUS_DIR / "documents"
SKIPPED_SOURCES = frozenset({"SOURCES.md", "README.md"})


WRITERS: dict[str, Callable[[SourceDoc, Path], None]] = {
    "md": write_markdown,
    "html": write_html,
    "docx": write_docx,
    "pdf": write_pdf_shaped,
    "pdf-visual": write_pdf_visual,
}


def find_sources(sources_dir: Path, only: str | None = None) -> list[Path]:
    """Source files under sources_dir, sorted; ``only`` is a glob on the path relative to sources_dir."""
    found = []
    for path in sorted(Path(sources_dir).rglob("*.md")):
        if path.name in SKIPPED_SOURCES:
            continue
        rel = path.relative_to(sources_dir).as_posix()
        if only and not (fnmatch.fnmatch(rel, only) or fnmatch.fnmatch(rel.removesuffix(".md"), only)):
            continue
        found.append(path)
    return found


def build_one(source: Path, sources_dir: Path, out_dir: Path) -> list[Path]:
    """Build one source into out_dir; return the files written (document, then sidecar)."""
    doc = parse_source(source)
    fmt = str(doc.meta["format"])
    target = Path(out_dir) / source.relative_to(sources_dir).with_suffix(f".{FORMAT_EXTENSIONS[fmt]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](doc, target)
    written = [target]
    if fmt != "md":
        written.append(write_meta(doc, target))
    return written


def failure_message(source: Path, exc: Exception) -> str:
    if isinstance(exc, SourceError):
        return str(exc)
    return f"{source}: build: {type(exc).__name__}: {exc}".splitlines()[0]


def build_all(sources_dir: Path, out_dir: Path, only: str | None = None) -> list[Path]:
    """Build every source; report failures on stderr as they happen and raise BuildFailed at the end."""
    sources_dir, out_dir = Path(sources_dir), Path(out_dir)
    written: list[Path] = []
    failures: list[str] = []
    for source in find_sources(sources_dir, only):
        try:
            written += build_one(source, sources_dir, out_dir)
        except Exception as exc:  # one broken document must not stop the others
            failures.append(failure_message(source, exc))
            print(f"error: {failures[-1]}", file=sys.stderr)
    if failures:
        raise BuildFailed(failures, written)
    return written


def document_base(rel: str) -> str:
    """'ma/x.fr.pdf.meta.json' or 'ma/x.fr.pdf' -> 'ma/x.fr' (the source it was generated from)."""
    rel = rel.removesuffix(META_SUFFIX)
    return rel.rsplit(".", 1)[0]


def stale_documents(sources_dir: Path, out_dir: Path, written: Iterable[Path]) -> list[Path]:
    """Generated-looking files in out_dir that the current sources no longer produce."""
    written_rel = {p.relative_to(out_dir).as_posix() for p in written}
    built_bases = {document_base(rel) for rel in written_rel}
    source_bases = {p.relative_to(sources_dir).as_posix().removesuffix(".md") for p in find_sources(sources_dir)}
    extensions = tuple(f".{ext}" for ext in set(FORMAT_EXTENSIONS.values())) + (META_SUFFIX,)
    stale = []
    for path in sorted(Path(out_dir).rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        # Only <cc>/<name> files are generated; anything else (a README, say) is left alone.
        if not path.is_file() or "/" not in rel or not rel.endswith(extensions) or rel in written_rel:
            continue
        base = document_base(rel)
        # Keep documents of sources that failed this time: they may only have a typo to fix.
        if base not in source_bases or base in built_bases:
            stale.append(path)
    return stale


def pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader  # only needed by --check, and only when PDF bytes differ

    return [page.extract_text() for page in PdfReader(path).pages]


def same_document(expected: Path, actual: Path) -> bool:
    if expected.read_bytes() == actual.read_bytes():
        return True
    # PDF bytes can change across library versions; what the ingest sees is the text.
    return expected.suffix == ".pdf" and pdf_text(expected) == pdf_text(actual)


def check(sources_dir: Path, out_dir: Path, only: str | None) -> int:
    """Rebuild into a temporary directory and list the committed documents that are out of date."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="policykb-build-") as tmp:
        try:
            fresh = build_all(sources_dir, Path(tmp), only)
        except BuildFailed as exc:
            fresh = exc.written
            problems += [f"failed: {failure}" for failure in exc.failures]
        for path in fresh:
            rel = path.relative_to(tmp)
            committed = out_dir / rel
            if not committed.exists():
                problems.append(f"missing: {committed}")
            elif not same_document(path, committed):
                problems.append(f"differs: {committed}")
        if not only:
            expected = [out_dir / path.relative_to(tmp) for path in fresh]
            problems += [f"stale: {path}" for path in stale_documents(sources_dir, out_dir, expected)]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} document(s) out of date; run: python corpus/build.py", file=sys.stderr)
        return 1
    print(f"{len(fresh)} file(s) up to date")
    return 0


def build(sources_dir: Path, out_dir: Path, only: str | None) -> int:
    failed = False
    try:
        written = build_all(sources_dir, out_dir, only)
    except BuildFailed as exc:
        written, failed = exc.written, True
    if not only:
        for path in stale_documents(sources_dir, out_dir, written):
            path.unlink()
            print(f"removed stale {path}")
    print(f"wrote {len(written)} file(s) to {out_dir}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate corpus/documents/ from corpus/sources/.")
    parser.add_argument("--only", metavar="GLOB", help="only sources whose path under sources/ matches, e.g. 'ma/*' or '*.ar.md'")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if documents/ is out of date")
    parser.add_argument("--sources", type=Path, default=SOURCES_DIR, help="sources directory (default: corpus/sources)")
    parser.add_argument("--out", type=Path, default=DOCUMENTS_DIR, help="output directory (default: corpus/documents)")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.sources, args.out, args.only)
    return build(args.sources, args.out, args.only)


if __name__ == "__main__":
    sys.exit(main())
