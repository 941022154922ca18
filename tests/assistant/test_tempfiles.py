"""The web app's temporary folder: old files swept on a schedule, the folder removed at the end."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from assistant.tempfiles import private_temp_dir, sweep, swept


def _aged(path: Path, text: str, age_s: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_sweep_deletes_old_files_and_empty_folders_only(tmp_path: Path) -> None:
    old = _aged(tmp_path / "abc" / "upload.pdf", "old", 7200)
    fresh = _aged(tmp_path / "def" / "brief.docx", "fresh", 10)
    assert sweep(tmp_path, max_age_s=3600) == 1
    assert not old.exists() and not old.parent.exists(), "the emptied folder goes too"
    assert fresh.exists()
    assert tmp_path.exists(), "the swept folder itself stays"


def test_a_new_empty_folder_is_left_for_the_file_about_to_be_written(tmp_path: Path) -> None:
    # Gradio makes a folder, then writes the upload into it: a sweep in between must not remove it.
    (tmp_path / "new").mkdir()
    old = tmp_path / "old"
    old.mkdir()
    then = time.time() - 7200
    os.utime(old, (then, then))
    assert sweep(tmp_path, max_age_s=3600) == 0
    assert (tmp_path / "new").is_dir() and not old.exists()


def test_swept_sweeps_on_a_schedule_then_removes_the_folder(tmp_path: Path) -> None:
    folder = private_temp_dir(tmp_path)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with swept(folder, max_age_s=60, interval_s=0.05):
        old = _aged(folder / "x" / "upload.md", "old", 120)
        deadline = time.monotonic() + 10
        while old.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not old.exists(), "the sweeper ran while the server did"
        _aged(folder / "y" / "kept.md", "fresh", 0)
    assert not folder.exists(), "the folder is removed when the server stops"
