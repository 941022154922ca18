"""The settings object built at the edge: values read, bad ones refused in one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import StoreConfig
from kb.store import Store
from policykb.settings import SettingsError, load_settings


def test_hnsw_ef_search_is_read_and_checked() -> None:
    assert load_settings({}).store.ef_search is None, "Chroma's default unless asked"
    assert load_settings({"POLICYKB_HNSW_EF_SEARCH": "5000"}).store.ef_search == 5000
    for bad in ("many", "0"):
        with pytest.raises(SettingsError, match="POLICYKB_HNSW_EF_SEARCH"):
            load_settings({"POLICYKB_HNSW_EF_SEARCH": bad})


def test_ef_search_is_fixed_when_the_store_is_created(tmp_path: Path) -> None:
    def ef(store: Store) -> int:
        return int(store.chunks.configuration_json["hnsw"]["ef_search"])

    created = Store(StoreConfig(path=tmp_path / "store", ef_search=1234))
    assert ef(created) == 1234
    reopened = Store(StoreConfig(path=tmp_path / "store", ef_search=50))
    assert ef(reopened) == 1234, "an existing store keeps the breadth it was created with"
    assert ef(Store(StoreConfig(path=tmp_path / "default"))) == 100, "Chroma's default"


def test_every_setting_the_library_needs_comes_from_the_settings(tmp_path: Path) -> None:
    """Credentials, data files, Tesseract's data and Gradio's folder: read here, fields downstream."""
    glossary, dimensions = tmp_path / "glossary.tsv", tmp_path / "dimensions.tsv"
    glossary.write_text("concept\tlang\tterm\n", encoding="utf-8")
    dimensions.write_text("dimension\tlang\tscope\tterm\n", encoding="utf-8")
    settings = load_settings(
        {
            "POLICYKB_ADMIN_USER": " ops ",
            "POLICYKB_ADMIN_PASSWORD": "a long secret",
            "POLICYKB_GLOSSARY": str(glossary),
            "POLICYKB_DIMENSIONS": str(dimensions),
            "TESSDATA_PREFIX": str(tmp_path / "tessdata"),
            "GRADIO_TEMP_DIR": str(tmp_path / "gradio"),
        }
    )
    assert (settings.web.admin_user, settings.web.admin_password) == ("ops", "a long secret")
    assert "a long secret" not in repr(settings), "the password is never printed"
    assert settings.retrieval.glossary_path == glossary and settings.assistant.dimensions_path == dimensions
    assert settings.ingest.load.ocr.tessdata == tmp_path / "tessdata"
    assert settings.web.temp_parent == tmp_path / "gradio"


def test_defaults_are_the_bundled_data_and_no_admin() -> None:
    settings = load_settings({})
    assert settings.retrieval.glossary_path.name == "glossary.tsv" and settings.retrieval.glossary_path.is_file()
    assert settings.assistant.dimensions_path.name == "dimensions.tsv" and settings.assistant.dimensions_path.is_file()
    assert (settings.web.admin_user, settings.web.admin_password) == ("admin", "")
    assert settings.ingest.load.ocr.tessdata is None and settings.web.temp_parent is None


@pytest.mark.parametrize("key", ["POLICYKB_GLOSSARY", "POLICYKB_DIMENSIONS"])
def test_a_missing_data_file_is_refused_naming_the_variable(key: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=f"{key}='.*nowhere.tsv' is not a file"):
        load_settings({key: str(tmp_path / "nowhere.tsv")})
