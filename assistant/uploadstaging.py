"""Putting an uploaded file (and its sidecar) in place, and putting back what was there: part of assistant.uploads.

A file is copied through a hidden temporary file and renamed, never written in place; an earlier
upload of the same name keeps a second, hidden name until the new one is stored, so that a failed
ingest can put it back.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from assistant.errors import UploadError
from ingest.load import SourceFile

MiB = 1024 * 1024
SIDECAR = ".meta.json"


@dataclass(frozen=True)
class Staged:
    """An upload in place, with what it replaced kept aside."""

    shown: str  # the name as uploaded, for messages
    source: SourceFile
    sidecar: Path
    previous: Path | None  # the earlier upload of the same name, kept until the new one is stored
    previous_sidecar: Path | None


def size_text(count: int) -> str:
    """A size for a message: bytes, KiB or MiB."""
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.0f} KiB" if count < MiB else f"{count / MiB:.1f} MiB"


def _keep_previous(path: Path) -> Path | None:
    """A second name for the file at ``path`` (hidden, same folder), so it can be put back."""
    if not os.path.lexists(path):
        return None
    backup = path.with_name(f".upload-previous-{secrets.token_hex(8)}")
    try:
        os.link(path, backup, follow_symlinks=False)  # instant, and ``path`` stays in place meanwhile
    except OSError:
        shutil.copy2(path, backup, follow_symlinks=False)  # a file system without hard links
    return backup


@contextmanager
def _replacing(target: Path) -> Iterator[BinaryIO]:
    """Write through a hidden temporary file in the same folder, then rename: never half a file at ``target``."""
    handle, temporary = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _copy_in(temporary: Path, target: Path, shown: str, limit: int) -> None:
    with _replacing(target) as out, temporary.open("rb") as upload:
        copied = 0
        while block := upload.read(MiB):
            copied += len(block)
            if copied > limit:  # the file grew after it was checked
                raise UploadError(
                    f"{shown}: the file is over the {size_text(limit)} limit per file; split or compress the document"
                )
            out.write(block)


def stage(shown: str, name: str, temporary: Path, folder: Path, fields: dict[str, str | int], max_bytes: int) -> Staged:
    """Put the upload (and its sidecar) in place, keeping any earlier version aside."""
    target = folder / name
    if target.parent != folder:  # safe_name guarantees it; checked again because the cost of a slip is a write elsewhere
        raise UploadError(f"{shown}: '{name}' is not a plain file name; rename the file")
    sidecar = folder / (name + SIDECAR)
    previous = _keep_previous(target)
    try:
        previous_sidecar = _keep_previous(sidecar)
    except BaseException:
        if previous is not None:
            previous.unlink(missing_ok=True)
        raise
    staged = Staged(shown, SourceFile(path=target, root=folder.parent), sidecar, previous, previous_sidecar)
    try:
        _copy_in(temporary, target, shown, max_bytes)
        if fields:
            with _replacing(sidecar) as out:
                out.write(json.dumps(fields, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
        else:
            sidecar.unlink(missing_ok=True)  # the upload replaces the document and its metadata together
    except BaseException:
        restore(staged)
        raise
    return staged


def restore(staged: Staged) -> None:
    """Put back what was there before the upload: the earlier version, or nothing."""
    for path, previous in ((staged.source.path, staged.previous), (staged.sidecar, staged.previous_sidecar)):
        if previous is not None:
            os.replace(previous, path)
        else:
            path.unlink(missing_ok=True)


def keep(staged: Staged) -> None:
    """The upload is stored: drop what it replaced."""
    for previous in (staged.previous, staged.previous_sidecar):
        if previous is not None:
            previous.unlink(missing_ok=True)
