"""Admin uploads into a real Chroma with the real model: safe names, staging, per-file failures, the writer lock."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from assistant.errors import UploadError
from assistant.uploads import MAX_NAME_BYTES, UploadLimits, UploadMeta, UploadReport, ingest_uploads, safe_name
from ingest.readers import reader_for
from kb.config import RetrievalConfig
from kb.embed import Embedder
from kb.lock import writer_lock
from kb.search import Searcher
from kb.store import Store, store_lock_path

NOTE = "# Solar irrigation note\n\nApiculture cooperatives receive solar irrigation grants from the regional fund.\n"
NOTE_V2 = "# Solar irrigation note\n\nDesalination plants for greenhouse farms are financed by green bonds.\n"


def pdf_bytes(*paragraphs: str) -> bytes:
    """A real one-page PDF written by fpdf2 (core font: Latin text only)."""
    pdf = FPDF()
    pdf.set_title("Decree on fishing port concessions")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    return bytes(pdf.output())


class Browser:
    """Saves uploads the way a web framework does: bytes in a temporary file, the browser's name beside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def file(self, name: str, data: bytes | str) -> tuple[str, Path]:
        self.count += 1
        path = self.folder / f"tmp{self.count}"
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return name, path


@pytest.fixture()
def browser(tmp_path: Path) -> Browser:
    return Browser(tmp_path / "gradio-tmp")


@pytest.fixture()
def upload_dir(tmp_path: Path) -> Path:
    return tmp_path / "srv" / "data" / "upload"


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stored_ids(store: Store) -> set[str]:
    return set(store.stored_documents())


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\x.md", "x.md"),
        ("/abs/x.md", "x.md"),
        ("C:\\Users\\me\\Résumé (final).docx", "Résumé-(final).docx"),
        (".hidden.md", "hidden.md"),
        ("-rf.txt", "rf.txt"),
        ("x.md\x00.pdf", "x-md.pdf"),  # NUL dropped; the inner suffix no longer reads as a document type
        ("line\nbreak\r.md", "linebreak.md"),
        ("\u202egpj.md", "gpj.md"),  # a right-to-left override cannot disguise the name
        ("قانون الاستثمار ٢٠١٧.pdf", "قانون-الاستثمار-٢٠١٧.pdf"),
        ("Loi n° 2010-12 *final*.PDF", "Loi-n-2010-12-final.PDF"),
        ("report.v2.pdf", "report.v2.pdf"),
        ("e\u0301te\u0301.md", "été.md"),  # NFC: composed accents
        ("a\u00a0b.md", "a-b.md"),  # no-break space
        ("a/../../b.md", "b.md"),
        ("..\\/../x.md", "x.md"),  # both separators at once
        ("\\\\server\\share\\x.md", "x.md"),  # a Windows UNC path
        ("C:x.md", "Cx.md"),  # a drive-relative Windows path: the colon goes
        ("..\uff0fx.md", "x.md"),  # fullwidth solidus: no separator for the OS, dropped all the same
        ("..\u2215x.md", "x.md"),  # division slash
        ("\u2024\u2024/x.md", "x.md"),  # one-dot leaders that look like ".."
        ("%2e%2e%2fx.md", "2e2e2fx.md"),  # never URL-decoded
    ],
)
def test_safe_name_keeps_only_a_plain_file_name(uploaded: str, safe: str) -> None:
    assert safe_name(uploaded) == safe


@pytest.mark.parametrize(
    ("uploaded", "message"),
    [
        ("..", r"^\.\.: the name has no document type"),
        (".", r"^\.: the name has no document type"),
        ("../", r"^\.\./: the name has no document type"),
        ("/", r"^/: the name has no document type"),
        ("\\", r"^\\: the name has no document type"),
        ("\x00", r"^\\x00: the name has no document type"),
        ("....md", r"^\.\.\.\.md: the name has no letters or digits before '\.md'; rename the file"),
        ("../.md", r"^\.\./\.md: the name has no letters or digits before '\.md'"),
        ("", r"^\(unnamed file\): the name has no document type"),
        ("notes.exe", r"^notes\.exe: '\.exe' files cannot be ingested; upload one of \.docx"),
        ("../x.meta.json", r"^\.\./x\.meta\.json: metadata files are made from the upload form"),
        ("().pdf", r"no letters or digits before '\.pdf'"),
        ("evil\n.exe", r"^evil\\n\.exe: '\.exe' files"),  # the message stays one line
    ],
)
def test_unusable_names_are_refused_naming_the_upload(uploaded: str, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        safe_name(uploaded)


def test_long_names_are_capped_keeping_the_suffix() -> None:
    name = safe_name("ب" * 300 + ".md")
    assert name.endswith(".md") and len(name.encode("utf-8")) <= MAX_NAME_BYTES


@given(st.text(max_size=80).map(lambda s: s + ".md"))
def test_any_name_is_made_safe_or_refused(uploaded: str) -> None:
    try:
        name = safe_name(uploaded)
    except UploadError as err:
        assert "\n" not in str(err)
        return
    folder = Path("/srv/uploads")
    assert (folder / name).parent == folder and name not in (".", "..")
    assert not name.startswith((".", "-")) and "/" not in name and "\\" not in name
    assert not any(unicodedata.category(ch).startswith("C") for ch in name)
    assert reader_for(Path(name)) is not None and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert unicodedata.is_normalized("NFC", name)


def test_form_values_become_upload_meta() -> None:
    assert UploadMeta.from_form(" ma ", "", "2021", None, "  ") == UploadMeta(country="ma", year=2021)
    assert UploadMeta.from_form(year=2019.0).year == 2019
    assert UploadMeta.from_form().sidecar_fields() == {}
    with pytest.raises(UploadError, match="year '20x1' is not a number"):
        UploadMeta.from_form(year="20x1")


# --- uploads into the store ---------------------------------------------------------------------


def test_uploaded_markdown_and_pdf_with_metadata_are_searchable(
    browser: Browser, upload_dir: Path, tmp_path: Path, fresh_store: Store, embedder: Embedder
) -> None:
    index_dir = tmp_path / "index"
    pdf = pdf_bytes("Article 1. Fishing port concessions are granted for twenty years by tender.")
    report = ingest_uploads(
        [browser.file("irrigation note.md", NOTE), browser.file("../décret ports.pdf", pdf)],
        UploadMeta(country="MA", doc_type="decree", year=2021),
        upload_dir,
        fresh_store,
        embedder,
        index_dir=index_dir,
    )
    assert report == UploadReport(added=("uploads/irrigation-note.md", "uploads/décret-ports.pdf"))
    assert report.ok and report.changed
    docs = fresh_store.stored_documents()
    for doc_id in report.added:
        meta = docs[doc_id].metadata
        assert (meta["country"], meta["doc_type"], meta["year"]) == ("MA", "decree", 2021)
        assert meta["root"] == str(upload_dir.resolve()) and meta["lang"] == "en"
    assert json.loads((upload_dir / "uploads" / "décret-ports.pdf.meta.json").read_text(encoding="utf-8")) == {
        "country": "MA",
        "doc_type": "decree",
        "year": 2021,
    }
    assert (upload_dir / "uploads" / "décret-ports.pdf").read_bytes() == pdf
    assert any(index_dir.iterdir()), "the lexical index was brought in step"
    searcher = Searcher(fresh_store, embedder, RetrievalConfig(index_dir=index_dir))
    assert searcher.search("solar irrigation grants for beekeeping cooperatives", k=1)[0].doc_id == "uploads/irrigation-note.md"
    hit = searcher.search("how long are fishing port concessions granted", k=1)[0]
    assert hit.doc_id == "uploads/décret-ports.pdf" and "twenty years" in hit.text


def test_traversal_names_never_write_outside_the_upload_folder(
    browser: Browser, upload_dir: Path, tmp_path: Path, fresh_store: Store, embedder: Embedder
) -> None:
    names = ["../../etc/passwd.md", "..\\..\\x.md", "/abs/y.md", ".hidden.md", "nu\x00l\nl.md", "../../../.."]
    uploads = [browser.file(name, f"# Note {i}\n\nWater tariffs for irrigation district {i}.\n") for i, name in enumerate(names)]
    before = files_under(tmp_path)
    report = ingest_uploads(uploads, UploadMeta(), upload_dir, fresh_store, embedder)
    assert sorted(report.added) == ["uploads/hidden.md", "uploads/null.md", "uploads/passwd.md", "uploads/x.md", "uploads/y.md"]
    assert len(report.errors) == 1 and report.errors[0].startswith("../../../..: the name has no document type")
    after = files_under(tmp_path)

    def outside(files: dict[str, bytes]) -> dict[str, bytes]:
        return {p: data for p, data in files.items() if not p.startswith(("srv/data/upload/uploads/", "store/"))}

    assert outside(after) == outside(before), "nothing written outside the upload folder (and the store)"
    assert sorted(os.listdir(upload_dir / "uploads")) == ["hidden.md", "null.md", "passwd.md", "x.md", "y.md"]
    assert sorted(os.listdir(upload_dir)) == ["uploads"]


def test_a_link_in_the_upload_folder_is_replaced_never_written_through(
    browser: Browser, upload_dir: Path, tmp_path: Path, fresh_store: Store, embedder: Embedder
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Not yours\n", encoding="utf-8")
    (upload_dir / "uploads").mkdir(parents=True)
    (upload_dir / "uploads" / "note.md").symlink_to(outside)  # planted by whoever could write there
    report = ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(), upload_dir, fresh_store, embedder)
    assert report.added == ("uploads/note.md",) and report.ok
    assert outside.read_text(encoding="utf-8") == "# Not yours\n", "the link's target is untouched"
    stored = upload_dir / "uploads" / "note.md"
    assert not stored.is_symlink() and stored.read_text(encoding="utf-8") == NOTE


def test_an_upload_folder_that_is_a_link_is_refused(
    browser: Browser, upload_dir: Path, tmp_path: Path, fresh_store: Store, embedder: Embedder
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    upload_dir.mkdir(parents=True)
    (upload_dir / "uploads").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(
        UploadError, match=r"uploads is a symbolic link; uploads are written only inside .*: make it a plain folder"
    ):
        ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(), upload_dir, fresh_store, embedder)
    assert list(elsewhere.iterdir()) == [] and stored_ids(fresh_store) == set()


def test_a_bad_file_fails_alone_and_names_itself(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    report = ingest_uploads(
        [
            browser.file("good.md", NOTE),
            browser.file("rapport cassé.pdf", b"%PDF-1.7\nthis is not really a PDF\n"),
            browser.file("blank.txt", "   \n\n"),
            browser.file("tool.exe", b"MZ"),
        ],
        UploadMeta(country="TN"),
        upload_dir,
        fresh_store,
        embedder,
    )
    assert report.added == ("uploads/good.md",)
    assert stored_ids(fresh_store) == {"uploads/good.md"}
    assert all("\n" not in e for e in report.errors)
    errors = {e.split(": ", 1)[0]: e.split(": ", 1)[1] for e in report.errors}
    assert set(errors) == {"rapport cassé.pdf", "blank.txt", "tool.exe"}, "each error names the file as uploaded"
    assert "re-export or re-download" in errors["rapport cassé.pdf"]
    assert errors["blank.txt"].startswith("no text found")
    assert errors["tool.exe"].startswith("'.exe' files cannot be ingested")
    assert sorted(os.listdir(upload_dir / "uploads")) == ["good.md", "good.md.meta.json"], "failed files are removed"


def test_bad_metadata_gives_ingests_own_message_and_stores_nothing(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    report = ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(country="Morocco"), upload_dir, fresh_store, embedder)
    assert report.added == () and stored_ids(fresh_store) == set()
    assert report.errors == ("note.md: field 'country' is 'MOROCCO'; use an ISO 3166 alpha-2 code, or EU",)
    assert os.listdir(upload_dir / "uploads") == []


def test_a_file_over_the_size_limit_is_refused_before_anything_is_written(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    big = browser.file("big.md", "# Big\n\n" + "word " * 100)
    report = ingest_uploads([big], UploadMeta(), upload_dir, fresh_store, embedder, limits=UploadLimits(max_file_bytes=200))
    assert report.errors == ("big.md: the file is 507 bytes, over the 200 bytes limit per file; split or compress the document",)
    assert not upload_dir.exists() and stored_ids(fresh_store) == set()
    huge = browser.file("scan.pdf", b"%PDF-1.7\n")
    os.truncate(huge[1], 51 * 1024 * 1024)  # sparse: the default limit is checked without writing 51 MiB
    refused = ingest_uploads([huge], UploadMeta(), upload_dir, fresh_store, embedder)
    assert refused.errors == ("scan.pdf: the file is 51.0 MiB, over the 50.0 MiB limit per file; split or compress the document",)


def test_count_and_duplicate_names_are_refused_file_by_file(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    report = ingest_uploads(
        [browser.file("a/same.md", NOTE), browser.file("b/same.md", NOTE_V2), browser.file("third.md", NOTE)],
        UploadMeta(),
        upload_dir,
        fresh_store,
        embedder,
        limits=UploadLimits(max_files=2),
    )
    assert report.added == ("uploads/same.md",)
    assert report.errors == (
        "b/same.md: another file of this upload (a/same.md) is also named 'same.md'; rename one",
        "third.md: more than 2 files in one upload; upload it with the next batch",
    )
    assert (upload_dir / "uploads" / "same.md").read_text(encoding="utf-8") == NOTE, "the first of the two is stored"


def test_reupload_replaces_and_a_failed_reupload_keeps_the_stored_version(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    first = ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(country="MA"), upload_dir, fresh_store, embedder)
    assert first.added == ("uploads/note.md",)
    second = ingest_uploads([browser.file("note.md", NOTE_V2)], UploadMeta(country="TN"), upload_dir, fresh_store, embedder)
    assert second.updated == ("uploads/note.md",)
    stored = fresh_store.stored_documents()["uploads/note.md"]
    assert stored.metadata["country"] == "TN"
    on_disk = files_under(upload_dir)

    failed = ingest_uploads([browser.file("note.md", " \n")], UploadMeta(country="EG"), upload_dir, fresh_store, embedder)
    assert failed.errors == (
        "note.md: no text found; it has no text layer: OCR it or supply a text version (the earlier upload of this name is kept)",
    )
    assert fresh_store.stored_documents()["uploads/note.md"] == stored, "the stored document is intact"
    assert files_under(upload_dir) == on_disk, "the earlier file and its sidecar are back, nothing else is left"
    hit = Searcher(fresh_store, embedder).search("green bonds financing desalination for greenhouses", k=1)[0]
    assert hit.doc_id == "uploads/note.md" and "green bonds" in hit.text

    same = ingest_uploads([browser.file("note.md", NOTE_V2)], UploadMeta(country="TN"), upload_dir, fresh_store, embedder)
    assert same == UploadReport(unchanged=("uploads/note.md",)) and files_under(upload_dir) == on_disk


def test_a_held_writer_lock_refuses_the_upload_and_changes_nothing(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder
) -> None:
    ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(), upload_dir, fresh_store, embedder)
    stored, on_disk = fresh_store.stored_documents(), files_under(upload_dir)
    with writer_lock(store_lock_path(fresh_store.config)):  # another ingest is running
        report = ingest_uploads(
            [browser.file("note.md", NOTE_V2), browser.file("new.md", NOTE)], UploadMeta(), upload_dir, fresh_store, embedder
        )
    assert report.added == report.updated == report.unchanged == ()
    assert [e.split(":")[0] for e in report.errors] == ["note.md", "new.md"]
    busy = f"not stored: {fresh_store.config.path}: the store is being written by pid {os.getpid()}; wait for it to finish"
    assert all(busy in e for e in report.errors), report.errors
    assert fresh_store.stored_documents() == stored and files_under(upload_dir) == on_disk


def test_an_unexpected_failure_puts_the_folder_back(
    browser: Browser, upload_dir: Path, fresh_store: Store, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_uploads([browser.file("note.md", NOTE)], UploadMeta(country="MA"), upload_dir, fresh_store, embedder)
    on_disk = files_under(upload_dir)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Chroma went away")

    monkeypatch.setattr("assistant.uploads.ingest_sources", crash)
    with pytest.raises(RuntimeError, match="Chroma went away"):
        ingest_uploads(
            [browser.file("note.md", NOTE_V2), browser.file("other.md", NOTE)], UploadMeta(), upload_dir, fresh_store, embedder
        )
    assert files_under(upload_dir) == on_disk, "the replaced file is restored, the new one removed, no temporaries left"
