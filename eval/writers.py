"""PDFs of the sample corpus's sources written by other real writers, to measure fidelity beyond our own.

The corpus PDFs come from two writers (fpdf2 with HarfBuzz shaping, reportlab in gazette-style visual
order). A reading order tuned to them proves little, so the same sources are also written by:

- ``chromium``: Debian's Chromium printing an HTML rendition of the source to PDF (Skia's PDF backend,
  HarfBuzz shaping, the browser's own bidi and line breaking), as users "print to PDF";
- ``libreoffice``: Debian's LibreOffice Writer exporting a DOCX rendition of the source (right-to-left
  paragraphs for Arabic, written by corpus/build.py's DOCX writer) to PDF, as ministries export Word files;
- ``fpdf2-visual``: fpdf2 without a shaper, drawing presentation forms in visual order line by line
  (arabic-reshaper + python-bidi), the way many older gazette pipelines did, with a different
  font embedding and line layout than reportlab's.

``python -m eval.writers OUT`` writes ``OUT/<writer>/<cc>/<slug>.<lang>.pdf`` (with the source's
``.meta.json`` sidecar), which ``python -m eval.fidelity --documents OUT/<writer>`` then measures.
Chromium, LibreOffice and fpdf2 are development tools: nothing in ingest needs them.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from eval.errors import EvalError
from eval.fidelity import DOCUMENTS_DIR, SOURCES_DIR, corpus_pairs, source_language, typed_blocks
from ingest.markdown import split_front_matter

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


class WriterError(EvalError):
    """A writer is missing or failed; the message says which and what to install."""


def html_page(markdown: str) -> str:
    lang = source_language(markdown)
    direction = ' dir="rtl"' if lang == "ar" else ""
    body = []
    for tag, text in typed_blocks(markdown):
        item = f"<{tag}>{html.escape(text)}</{tag}>"
        body.append(f"<ul>{item}</ul>" if tag == "li" else item)
    style = "body{font-family:'DejaVu Sans';font-size:11pt;margin:0} @page{size:A4;margin:20mm}"
    return (
        f'<!DOCTYPE html><html lang="{lang}"{direction}><head><meta charset="utf-8"><style>{style}</style></head>'
        f"<body>{''.join(body)}</body></html>"
    )


def _corpus_build() -> ModuleType:
    """corpus/build.py, the corpus's own DOCX writer (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("corpus_build", DOCUMENTS_DIR.parent / "build.py")
    if spec is None or spec.loader is None:
        raise WriterError("libreoffice: corpus/build.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there while the script runs
    spec.loader.exec_module(module)
    return module


def write_libreoffice(source: Path, target: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise WriterError("libreoffice: soffice not found (apt-get install --no-install-recommends libreoffice-writer-nogui)")
    build = _corpus_build()
    with tempfile.TemporaryDirectory() as folder:
        docx = Path(folder) / (target.stem + ".docx")
        build.write_docx(build.parse_source(source), docx)
        command = [soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--norestore"]
        command += ["--convert-to", "pdf", "--outdir", folder, str(docx)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        written = docx.with_suffix(".pdf")
        if not written.is_file():
            raise WriterError(f"libreoffice: no PDF written ({done.stderr.strip()[-200:] or done.returncode})")
        shutil.move(written, target)


def write_chromium(source: Path, target: Path) -> None:
    markdown = source.read_text(encoding="utf-8")
    browser = next((shutil.which(name) for name in CHROMIUM if shutil.which(name)), None)
    if browser is None:
        raise WriterError("chromium: not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        page.write_text(html_page(markdown), encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
        command += [f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if not target.is_file():
        raise WriterError(f"chromium: no PDF written ({done.stderr.strip().splitlines()[-1:] or done.returncode})")


def write_fpdf2_visual(source: Path, target: Path) -> None:
    markdown = source.read_text(encoding="utf-8")
    import arabic_reshaper
    from bidi import get_display
    from fpdf import FPDF

    rtl = source_language(markdown) == "ar"
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    sizes = {"h1": 15.0, "h2": 13.0, "h3": 11.5, "p": 10.5, "li": 10.5}
    for tag, text in typed_blocks(markdown):
        pdf.set_font("DejaVu", "", sizes[tag])
        text = f"• {text}" if tag == "li" else text
        for line in _wrap(pdf, arabic_reshaper.reshape(text) if rtl else text):
            shown = get_display(line, base_dir="R") if rtl else line
            pdf.cell(pdf.epw, sizes[tag] * 0.5, shown, align="R" if rtl else "L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.output(str(target))


def _wrap(pdf: object, text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and pdf.get_string_width(candidate) > pdf.epw:  # type: ignore[attr-defined]
            lines.append(current)
            candidate = word
        current = candidate
    return [*lines, current] if current else lines


WRITERS: dict[str, Callable[[Path, Path], None]] = {
    "chromium": write_chromium,
    "libreoffice": write_libreoffice,
    "fpdf2-visual": write_fpdf2_visual,
}


def write_all(out: Path, writers: list[str], only: str = "") -> list[Path]:
    """Every corpus PDF's source, written by each writer under ``out/<writer>``."""
    written = []
    for document, source in corpus_pairs(DOCUMENTS_DIR, SOURCES_DIR):
        relative = document.relative_to(DOCUMENTS_DIR)
        if only and not document.match(only):
            continue
        markdown = source.read_text(encoding="utf-8")
        meta, _ = split_front_matter(source, markdown)
        for name in writers:
            target = out / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            WRITERS[name](source, target)
            sidecar = {key: value for key, value in meta.items() if key != "format"}
            target.with_name(target.name + ".meta.json").write_text(json.dumps(sidecar, ensure_ascii=False, default=str))
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.writers",
        description="Write the sample corpus's PDF sources with other PDF writers.",
        epilog="Example:\n  python -m eval.writers /tmp/writers && python -m eval.fidelity --documents /tmp/writers/chromium",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--writer", action="append", choices=sorted(WRITERS), help="default: all")
    parser.add_argument("--only", default="", help="glob on the document path (e.g. '*.ar.pdf')")
    args = parser.parse_args(argv)
    try:
        written = write_all(args.out, args.writer or sorted(WRITERS), args.only)
    except WriterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(written)} PDF(s) written under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
