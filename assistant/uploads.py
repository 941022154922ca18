"""Admin uploads: refuse unsafe names and oversized files, stage the rest, ingest them with the ingest rules.

An upload is kept as ``<upload_dir>/uploads/<safe name>`` (with ``<safe name>.meta.json`` when the
form gave metadata) and ingested with ``upload_dir`` as its root, so its document id is
``uploads/<safe name>``: corpus ingests use other roots, so they never prune or overwrite uploads.
The file a browser names is never trusted as a path (:func:`safe_name`).

Everything from staging to the store write happens under the store's writer lock. A file that
fails is reported and its staged copy removed, or, when it was meant to replace an earlier upload,
the earlier file is put back: the folder always matches what the store holds.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.errors import UploadError
from assistant.uploadstaging import MiB, Staged, keep, restore, size_text, stage
from ingest.config import IngestConfig
from ingest.errors import IngestError
from ingest.load import content_hash
from ingest.metadata import sidecar_paths
from ingest.readers import READERS, is_sidecar, reader_for
from kb.embed import Embedder
from kb.errors import StoreLockedError
from kb.lock import writer_lock
from kb.store import Store, store_lock_path
from kb.sync import IngestReport, ingest_sources

UPLOADS = "uploads"  # the folder under upload_dir, and the first part of every uploaded document id
# Linux allows 255 bytes per name; leave room for the ".meta.json" sidecar beside it.
MAX_NAME_BYTES = 200
_ALLOWED_PUNCTUATION = frozenset("._-()")


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int = 50 * MiB
    max_files: int = 20  # per upload


@dataclass(frozen=True)
class UploadMeta:
    """Metadata given in the upload form; it applies to every file of the upload.

    Only given fields are written to the sidecar; ingest validates them (a bad country or year fails
    with ingest's own message) and infers the rest from the document.
    """

    country: str | None = None
    doc_type: str | None = None
    year: int | None = None
    lang: str | None = None
    title: str | None = None

    @classmethod
    def from_form(
        cls,
        country: str | None = None,
        doc_type: str | None = None,
        year: str | float | None = None,
        lang: str | None = None,
        title: str | None = None,
    ) -> UploadMeta:
        """From form values: blanks mean "not given"; a year may come as text or as a number field's float."""

        def text(value: str | None) -> str | None:
            return value.strip() or None if value is not None else None

        given_year: int | None = None
        if isinstance(year, float):
            if not year.is_integer():
                raise UploadError(f"year {year:g} is not a whole year; write a four-digit year such as 2021")
            given_year = int(year)
        elif isinstance(year, str) and year.strip():
            if not year.strip().isdigit():
                raise UploadError(f"year '{year.strip()}' is not a number; write a four-digit year such as 2021")
            given_year = int(year.strip())
        return cls(text(country), text(doc_type), given_year, text(lang), text(title))

    def sidecar_fields(self) -> dict[str, str | int]:
        """The fields given, as the sidecar file holds them."""
        given = {"country": self.country, "doc_type": self.doc_type, "year": self.year, "lang": self.lang, "title": self.title}
        return {name: value for name, value in given.items() if value is not None and value != ""}


@dataclass(frozen=True)
class UploadReport:
    """Document ids added, updated or unchanged, and one line per refused or failed file."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        """Whether the store changed (the app then refreshes its searcher)."""
        return bool(self.added or self.updated)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, {len(self.errors)} failed"


def _shown(name: str) -> str:
    """The name as the browser sent it, fit for a one-line message: control characters escaped, length capped."""
    escaped = "".join(ch if not unicodedata.category(ch).startswith("C") else ascii(ch)[1:-1] for ch in name)
    if not escaped.strip():
        return "(unnamed file)"
    return escaped if len(escaped) <= 120 else escaped[:119] + "…"


def safe_name(name: str) -> str:
    """A file name safe to write inside the upload folder, made from the name a browser sent.

    Keeps only the last path component (``/`` or ``\\``), NFC-normalises it, drops control
    characters and everything but letters (any script), digits, spaces and ``._-()``, turns spaces
    into ``-``, strips leading dots and dashes, and caps the length (keeping the suffix). A name
    whose stem ends in another document suffix (``x.pdf.md``) becomes ``x-pdf.md``, so one upload's
    sidecar can never describe another. Raises UploadError, naming the original, when nothing
    usable is left or the suffix is not a supported document type.
    """
    shown = _shown(name)
    last = re.split(r"[/\\]", name)[-1]
    kept: list[str] = []
    for ch in unicodedata.normalize("NFC", last):
        category = unicodedata.category(ch)
        if category.startswith("C"):
            continue  # control, format (bidi overrides), unassigned
        if category.startswith("Z"):
            kept.append(" ")
        elif category[0] in "LM" or category == "Nd" or ch in _ALLOWED_PUNCTUATION:
            kept.append(ch)
    spaced = re.sub(r" +", "-", "".join(kept).strip())
    cleaned = spaced.lstrip(".-")  # a leading '-' reads as an option to shell tools
    known = ", ".join(sorted(READERS))
    if is_sidecar(Path(cleaned)):
        raise UploadError(f"{shown}: metadata files are made from the upload form; upload the document and fill in the form")
    path = PurePosixPath(cleaned or "-")
    if not path.suffix and reader_for(Path(f"x{spaced}")) is not None:  # ".md", "....pdf": a type, no name
        raise UploadError(f"{shown}: the name has no letters or digits before '{Path(f'x{spaced}').suffix}'; rename the file")
    if not path.suffix:
        raise UploadError(f"{shown}: the name has no document type; name the file like report.pdf ({known})")
    if reader_for(Path(cleaned)) is None:
        raise UploadError(f"{shown}: '{path.suffix}' files cannot be ingested; upload one of {known}")
    stem, suffix = path.stem, path.suffix
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip("-.")
    inner = PurePosixPath(stem).suffix
    if inner and reader_for(Path(stem)) is not None:
        stem = f"{stem[: -len(inner)]}-{inner[1:]}"
    if not any(ch.isalnum() for ch in stem):
        raise UploadError(f"{shown}: the name has no letters or digits before '{suffix}'; rename the file")
    return stem + suffix


def _check_file(shown: str, temporary: Path, limits: UploadLimits) -> None:
    try:
        info = temporary.stat()
    except OSError:
        raise UploadError(f"{shown}: the uploaded file is missing on the server; upload it again") from None
    if not stat.S_ISREG(info.st_mode):
        raise UploadError(f"{shown}: the upload is not a regular file; upload it again")
    if info.st_size == 0:
        raise UploadError(f"{shown}: the file is empty; upload the document again")
    if info.st_size > limits.max_file_bytes:
        raise UploadError(
            f"{shown}: the file is {size_text(info.st_size)}, over the {size_text(limits.max_file_bytes)} limit per file; "
            "split or compress the document"
        )


def _uploads_folder(upload_dir: Path) -> Path:
    root = upload_dir.resolve()
    folder = root / UPLOADS
    if folder.is_symlink():
        raise UploadError(f"{folder} is a symbolic link; uploads are written only inside {root}: make it a plain folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _failure_message(staged: Staged, failed: Sequence[IngestError]) -> str:
    """The ingest error for this file (its own path or its sidecar's), told with the uploaded name."""
    own = {str(staged.source.path), *(str(p) for p in sidecar_paths(staged.source.path))}
    error = next((err for err in failed if err.path in own), None)
    reason = f"{error.reason}; {error.hint}" if error is not None else "could not be ingested; check the file"
    kept = " (the earlier upload of this name is kept)" if staged.previous is not None else ""
    return f"{staged.shown}: {reason}{kept}"


def _settle_after_crash(staged: Sequence[Staged], store: Store) -> None:
    """After an unexpected error, keep only the files the store committed; put the rest back."""
    try:
        committed = store.committed_hashes()
    except Exception:  # the store itself is failing: trust nothing
        committed = {}
    for item in staged:
        try:
            stored = committed.get(item.source.doc_id) == content_hash(item.source)
        except (IngestError, OSError):
            stored = False
        if stored:
            keep(item)
        else:
            restore(item)


def _accepted(files: Sequence[tuple[str, Path]], limits: UploadLimits, errors: list[str]) -> list[tuple[str, str, Path]]:
    """The files that pass the name, size and count checks, as (shown, safe name, temporary path); the others' errors."""
    accepted: list[tuple[str, str, Path]] = []
    taken: dict[str, str] = {}
    for position, (original, temporary) in enumerate(files):
        shown = _shown(original)
        if position >= limits.max_files:
            errors.append(f"{shown}: more than {limits.max_files} files in one upload; upload it with the next batch")
            continue
        try:
            name = safe_name(original)
            _check_file(shown, temporary, limits)
        except UploadError as err:
            errors.append(str(err))
            continue
        if name in taken:
            errors.append(f"{shown}: another file of this upload ({taken[name]}) is also named '{name}'; rename one")
            continue
        taken[name] = shown
        accepted.append((shown, name, temporary))
    return accepted


def _stage_all(
    accepted: Sequence[tuple[str, str, Path]],
    folder: Path,
    fields: dict[str, str | int],
    limits: UploadLimits,
    staged: list[Staged],
    errors: list[str],
) -> None:
    """Stage each accepted file into ``staged`` as it goes (a crash half-way still knows what was staged)."""
    for shown, name, temporary in accepted:
        try:
            staged.append(stage(shown, name, temporary, folder, fields, limits.max_file_bytes))
        except UploadError as err:
            errors.append(str(err))
        except OSError as err:
            reason = err.strerror or str(err)
            errors.append(f"{shown}: cannot be saved in {folder} ({reason}); check its permissions and free space")


def ingest_uploads(
    files: Sequence[tuple[str, Path]],
    meta: UploadMeta,
    upload_dir: Path,
    store: Store,
    embedder: Embedder,
    config: IngestConfig = IngestConfig(),
    limits: UploadLimits = UploadLimits(),
    index_dir: Path | None = None,
) -> UploadReport:
    """Check, stage and ingest uploaded files; each failure is one line naming the file as uploaded.

    ``files`` are (name the browser sent, temporary path the web framework saved it to); the
    temporary files are copied, never moved or changed. A refused or failed file is reported and
    the others go on; nothing already stored is lost. With ``index_dir``, the saved lexical index is
    brought in step when the store changed (as ``policykb ingest`` does); the caller then refreshes
    its searcher (:meth:`kb.search.Searcher.refresh`). Raises UploadError only when the upload folder
    itself is unusable; a store busy with another writer makes every file fail with a message.
    """
    errors: list[str] = []
    accepted = _accepted(files, limits, errors)
    if not accepted:
        return UploadReport(errors=tuple(errors))

    folder = _uploads_folder(upload_dir)
    fields = meta.sidecar_fields()
    with ExitStack() as held:
        try:
            held.enter_context(writer_lock(store_lock_path(store.config)))
        except StoreLockedError as err:
            # "<store>: the store is being written by pid N; wait for it to finish ..." says what to do.
            return UploadReport(errors=tuple(errors + [f"{shown}: not stored: {err}" for shown, _, _ in accepted]))
        staged: list[Staged] = []
        try:
            _stage_all(accepted, folder, fields, limits, staged, errors)
            report = ingest_sources([item.source for item in staged], store, embedder, config) if staged else IngestReport()
        except BaseException:
            _settle_after_crash(staged, store)
            raise
        stored = {*report.added, *report.updated, *report.unchanged}
        for item in staged:
            if item.source.doc_id in stored:
                keep(item)
            else:
                restore(item)
                errors.append(_failure_message(item, report.failed))
        if index_dir is not None and (report.added or report.updated):
            from kb.lexical import update_index  # bm25s loads only when an index is kept

            update_index(store, index_dir)
    return UploadReport(tuple(report.added), tuple(report.updated), tuple(report.unchanged), tuple(errors))
