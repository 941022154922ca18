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
