"""OCR of image-only or unreadable PDF pages: poppler's pdftoppm renders a page, Tesseract reads it.

Both run as subprocesses (no shell, no network) with a per-page time limit; they inherit the caller's
memory limit (the parser process runs under RLIMIT_AS; 2 GiB is ample, Tesseract peaks near 90 MiB).

Choices measured here (Tesseract 5.3.0 and Debian's tessdata, 2 shared cores): 4 Arabic and 4 French A4
pages of corpus text in DejaVu Sans scanned at 300 dpi, 3 pages of a real Egyptian gazette, and one
Arabic page with 16 Latin words; CER after NFKC, without bidi marks and harakat; seconds per page
include rendering.

- 200 dpi, not 300: Arabic CER 4.3 % against 10.6 % (gazette 5.3 % against 8.1 %: at 300 dpi Tesseract
  drops whole Arabic lines that are full of punctuation), French 0.2 % against 0.3 %, and faster.
  Small print agrees (9 pt Arabic: 3.4 % against 5.5 %).
- Hint "ar" -> ara+fra: 4.3 %, gazette 5.3 %, mixed page 0.3 %, 2.4 s. Arabic alone reads pure Arabic
  best (4.1 %, gazette 3.3 %) but turns every Latin word into digits (mixed page 20.9 %); ara+eng gives
  5.8 %, 5.9 % and 3.1 %. "fr" -> fra+eng: 0.2 %, 1.7 s (fra alone 0.4 %). "en" -> eng: 0.27 %, as good
  as any mix and the fastest.
- No hint: OSD (--psm 0; osd.traineddata comes with Debian's tesseract-ocr) names the script, then that
  script's hinted languages: ar 4.3 % in 3.7 s, gazette 5.3 %, fr 0.2 % in 2.5 s. All of ara+fra+eng in
  one pass is ~1 s faster but worse on Arabic: ar 6.0 % in 2.6 s, gazette 6.9 %, mixed 1.1 %, fr 0.2 %
  in 2.1 s. OSD always named the right script; when it cannot (too few characters), all languages are used.
- OMP_THREAD_LIMIT=1: 1.8 s wall and 1.8 s CPU a page; 2 threads 1.5-1.8 s wall for 2.4-2.8 s CPU;
  unset, nested OpenMP regions oversubscribe the 2 cores (15 s), and 2 threads under the
  OMP_WAIT_POLICY=PASSIVE that the tests export take 9-13 s. One thread also leaves a core to the embedder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.errors import IngestError, UsageError

INSTALL_HINT = "install Debian's tesseract-ocr with tesseract-ocr-ara, tesseract-ocr-fra and tesseract-ocr-eng (make system-deps)"
HINT_LANGUAGES: dict[str, tuple[str, ...]] = {"ar": ("ara", "fra"), "fr": ("fra", "eng"), "en": ("eng",)}
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {"Arabic": HINT_LANGUAGES["ar"], "Latin": HINT_LANGUAGES["fr"]}
THREADS = "1"  # OMP_THREAD_LIMIT for Tesseract; see the module docstring
PROBE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class OcrConfig:
    enabled: bool = True
    languages: tuple[str, ...] = ("ara", "fra", "eng")  # Tesseract language data that may be used
    dpi: int = 200  # not 300: see the module docstring
    page_timeout_s: float = 120.0  # rendering and recognition of one page together
    max_pages: int = 300  # per document; pages beyond are reported, not OCR'd
    # Tesseract's language data folder (env TESSDATA_PREFIX, read by the settings loader); None:
    # Tesseract's own default. Passed on to Tesseract as TESSDATA_PREFIX.
    tessdata: Path | None = None


@dataclass(frozen=True)
class OcrPage:
    number: int  # 1-based page number
    text: str  # Tesseract's text, lines separated by \n (logical order for Arabic)
    languages: str  # the -l value used, e.g. "ara+fra"
    seconds: float


class OcrError(IngestError):
    """OCR of a page failed or cannot run (render failure, timeout, Tesseract error); ``str(err)`` is one line.

    Raised with the whole line (the file and page, or what is missing, then what to do), so it keeps
    that line as its message rather than IngestError's "path: reason; hint".
    """

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.path, self.reason, self.hint = "", message, ""


@dataclass(frozen=True)
class _Tools:
    tesseract: str
    pdftoppm: str
    version: str  # "tesseract 5.3.0"
    languages: frozenset[str]


@dataclass(frozen=True)
class _Found:
    """The tools OCR runs, or (``tools`` None) the one-line reason it cannot run, saying what to do."""

    tools: _Tools | None
    problem: str = ""


def ocr_status(config: OcrConfig) -> str | None:
    """None when OCR can run with ``config``; else a one-line reason that says what to do."""
    ready = _ready(config)
    return None if ready.tools is not None else ready.problem


def tesseract_version(config: OcrConfig = OcrConfig()) -> str:
    """E.g. "tesseract 5.3.0", for the parser string of OCR'd documents; OcrError when Tesseract is missing."""
    found = _tools(config.tessdata)
    if found.tools is None:
        raise OcrError(found.problem)
    return found.tools.version


def ocr_page(pdf: Path, number: int, config: OcrConfig, lang_hint: str = "") -> OcrPage:
    """Render page ``number`` (1-based) with pdftoppm (grey, ``config.dpi``) in a private temp dir and OCR it.

    ``lang_hint`` is the document's declared ISO 639-1 language; empty or unknown lets Tesseract's
    script detection choose. PDFs encrypted with an empty user password (RC4, AES) open; others fail.
    Raises :class:`OcrError` for this page only; the caller decides whether to go on.
    """
    if number < 1:
        raise UsageError(f"page numbers start at 1, got {number}")
    where = f"{pdf}: page {number}"
    ready = _ready(config)
    if ready.tools is None:
        raise OcrError(f"{where}: {ready.problem}")
    tools = ready.tools
    started = time.monotonic()
    deadline = started + config.page_timeout_s
    with tempfile.TemporaryDirectory(prefix="policykb-ocr-") as tmp:
        stem = Path(tmp) / "page"
        # PGM, not -png: poppler 22's -gray PNG is written as RGB, and PGM needs no compression.
        render = [tools.pdftoppm, "-r", str(config.dpi), "-gray", "-f", str(number), "-l", str(number), "-singlefile"]
        _run([*render, str(pdf.absolute()), str(stem)], deadline, config, f"{where}: pdftoppm")
        image = stem.with_suffix(".pgm")
        if not image.is_file():
            raise OcrError(f"{where}: pdftoppm made no image; check that the page exists")
        languages = "+".join(_languages(tools, config, lang_hint, image, deadline, where))
        args = [tools.tesseract, str(image), "stdout", "-l", languages, "--dpi", str(config.dpi)]
        text = _run(args, deadline, config, f"{where}: Tesseract")
    return OcrPage(number=number, text=clean_text(text), languages=languages, seconds=round(time.monotonic() - started, 3))


def clean_text(text: str) -> str:
    """Drop form feeds and trailing spaces, keep line breaks (blank lines separate paragraphs)."""
    lines = [line.rstrip() for line in text.replace("\f", "").split("\n")]
    return "\n".join(lines).strip("\n")


def _ready(config: OcrConfig) -> _Found:
    """The tools when OCR can run with ``config``, else why not."""
    if not config.enabled:
        return _Found(None, "OCR is turned off (--no-ocr or POLICYKB_OCR=off)")
    found = _tools(config.tessdata)
    if found.tools is None:
        return found
    if not config.languages:
        return _Found(None, "OCR has no languages configured: list Tesseract languages such as ara, fra, eng")
    missing = [lang for lang in config.languages if lang not in found.tools.languages]
    if missing:
        names = ", ".join(f"'{lang}'" for lang in missing)
        packages = " ".join(f"tesseract-ocr-{lang.lower()}" for lang in missing)
        return _Found(None, f"Tesseract has no {names} language data: install {packages}")
    return found


def _languages(tools: _Tools, config: OcrConfig, lang_hint: str, image: Path, deadline: float, where: str) -> tuple[str, ...]:
    wanted = HINT_LANGUAGES.get(lang_hint.lower(), ())
    if not wanted and "osd" in tools.languages:
        args = [tools.tesseract, str(image), "stdout", "--psm", "0", "--dpi", str(config.dpi)]
        osd = _run(args, deadline, config, f"{where}: Tesseract OSD", check=False)
        script = re.search(r"^Script: (\w+)", osd, re.MULTILINE)
        wanted = SCRIPT_LANGUAGES.get(script.group(1), ()) if script else ()  # too few characters: no script
    usable = tuple(lang for lang in wanted if lang in config.languages)
    return usable or config.languages


def _run(args: list[str], deadline: float, config: OcrConfig, what: str, check: bool = True) -> str:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrError(f"{what} not started: the page took longer than {config.page_timeout_s:g} s; raise the OCR page timeout")
    try:
        done = subprocess.run(
            args, capture_output=True, timeout=remaining, env=_child_env(config.tessdata), stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as err:  # run() has killed the child
        raise OcrError(f"{what} took longer than {config.page_timeout_s:g} s for the page; raise the OCR page timeout") from err
    except OSError as err:
        raise OcrError(f"{what} could not start ({err.strerror}); reinstall it (make system-deps)") from err
    if check and done.returncode != 0:
        message = _last_line(done.stderr)
        if "password" in message.lower():  # poppler opens only an empty user password
            raise OcrError(f"{what}: the PDF is protected by a password; supply a copy without a password")
        raise OcrError(f"{what} failed ({_exit_reason(done.returncode)}: {message})")
    return done.stdout.decode("utf-8", errors="replace")


def _exit_reason(code: int) -> str:
    if code < 0:
        return "killed by signal " + str(-code) + (", probably out of memory" if -code in (6, 9, 11) else "")
    return f"exit status {code}"


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def _child_env(tessdata: Path | None) -> dict[str, str]:
    """The environment pdftoppm and Tesseract run with: ours, one OpenMP thread, the configured language data."""
    env = {**os.environ, "OMP_THREAD_LIMIT": THREADS}
    if tessdata is not None:
        env["TESSDATA_PREFIX"] = str(tessdata)
    return env


def _tools(tessdata: Path | None) -> _Found:
    return _probe(shutil.which("tesseract"), shutil.which("pdftoppm"), tessdata)


@lru_cache(maxsize=8)
def _probe(tesseract: str | None, pdftoppm: str | None, tessdata: Path | None) -> _Found:
    """The tools and language data found, or why OCR cannot run; cached per PATH lookup and language data folder."""
    if tesseract is None:
        return _Found(None, f"OCR needs Tesseract: {INSTALL_HINT}")
    if pdftoppm is None:
        return _Found(None, "OCR needs poppler's pdftoppm to render pages: install poppler-utils (make system-deps)")
    try:
        version = _probe_run([tesseract, "--version"], tessdata)
        listed = _probe_run([tesseract, "--list-langs"], tessdata)
    except (OSError, subprocess.TimeoutExpired) as err:
        return _Found(None, f"Tesseract at {tesseract} does not run ({err}); {INSTALL_HINT}")
    # Tesseract 5 prints its version on stdout, older ones on stderr.
    first = (version.stdout or version.stderr).decode("utf-8", errors="replace").strip().splitlines()
    if version.returncode != 0 or not first:
        return _Found(None, f"Tesseract at {tesseract} does not run ({_last_line(version.stderr)}); {INSTALL_HINT}")
    names = listed.stdout.decode("utf-8", errors="replace").splitlines()[1:]  # after 'List of available languages ...'
    return _Found(_Tools(tesseract, pdftoppm, first[0].strip(), frozenset(name.strip() for name in names if name.strip())))


def _probe_run(args: list[str], tessdata: Path | None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, timeout=PROBE_TIMEOUT_S, env=_child_env(tessdata), stdin=subprocess.DEVNULL)
