"""Settings of the security-related environment variables: what they become, and one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.settings import SettingsError, load_settings

TOKEN = "s3cret-token-value"


def test_a_chroma_token_goes_in_the_named_header_and_is_never_shown(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    env = {
        "POLICYKB_CHROMA_URL": "https://chroma.example.org",
        "POLICYKB_CHROMA_TOKEN": TOKEN,
        "POLICYKB_CHROMA_TENANT": "ministry",
        "POLICYKB_CHROMA_DATABASE": "policies",
        "POLICYKB_CHROMA_CA": str(ca),
    }
    store = load_settings(env).store
    assert store.auth_header == ("Authorization", f"Bearer {TOKEN}")
    assert (store.tenant, store.database, store.tls_ca) == ("ministry", "policies", ca)
    assert TOKEN not in repr(store) and TOKEN not in repr(load_settings(env)), "the token never reaches a printed settings object"
    custom = load_settings({**env, "POLICYKB_CHROMA_AUTH_HEADER": "X-Chroma-Token"}).store
    assert custom.auth_header == ("X-Chroma-Token", TOKEN)
    assert (
        load_settings(env).retrieval.index_dir != load_settings({**env, "POLICYKB_CHROMA_DATABASE": "other"}).retrieval.index_dir
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"POLICYKB_CHROMA_AUTH_HEADER": "X Token:"}, "POLICYKB_CHROMA_AUTH_HEADER='X Token:' is not a header name"),
        ({"POLICYKB_CHROMA_TOKEN": "a\nb"}, "POLICYKB_CHROMA_TOKEN holds a line break"),
        ({"POLICYKB_CHROMA_CA": "/nonexistent/ca.pem"}, "POLICYKB_CHROMA_CA='/nonexistent/ca.pem' is not a file"),
        ({"POLICYKB_TEMP_MAX_AGE": "1"}, "POLICYKB_TEMP_MAX_AGE=1 is out of range"),
    ],
)
def test_bad_security_settings_are_one_line_errors(extra: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings({"POLICYKB_CHROMA_URL": "https://chroma.example.org", "POLICYKB_CHROMA_TOKEN": TOKEN, **extra})


def test_trusted_proxies_are_a_list_and_none_by_default() -> None:
    assert load_settings({}).web.trusted_proxies == ()
    assert load_settings({"POLICYKB_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.2"}).web.trusted_proxies == ("127.0.0.1", "10.0.0.2")


def test_a_chroma_url_with_a_password_is_refused_before_any_request() -> None:
    from kb.chroma import open_client
    from kb.config import StoreConfig
    from kb.errors import StoreUnavailableError

    with pytest.raises(StoreUnavailableError, match="carries a user name or password") as refused:
        open_client(StoreConfig(chroma_url=f"https://admin:{TOKEN}@127.0.0.1:9"))
    assert TOKEN not in str(refused.value)


def test_serving_beyond_loopback_without_a_login_warns(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import subprocess
    import sys

    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    store = tmp_path / "file" / "store"  # the store cannot open: serve stops right after its checks
    policykb = str(Path(sys.executable).with_name("policykb"))
    wide = subprocess.run(
        [policykb, "serve", "--host", "0.0.0.0", "--store", str(store)], env=cli_env, capture_output=True, text=True, timeout=120
    )
    local = subprocess.run([policykb, "serve", "--store", str(store)], env=cli_env, capture_output=True, text=True, timeout=120)
    assert "warning: serving on 0.0.0.0 without a login" in wide.stderr, wide.stderr
    assert "warning" not in local.stderr and "cannot open the store" in local.stderr


def test_stores_and_backups_the_cli_writes_are_for_this_account_only(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import os
    import stat
    import subprocess
    import sys

    def mode(path: Path) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.en.md").write_text("# Note (test)\n\nArticle 1\nThe test cluster meets twice a year.\n", encoding="utf-8")
    policykb = str(Path(sys.executable).with_name("policykb"))
    store, backup = tmp_path / "store", tmp_path / "backup"
    for arguments in (["ingest", str(docs), "--store", str(store), "--quiet"], ["export", str(backup), "--store", str(store)]):
        done = subprocess.run([policykb, *arguments], env=cli_env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert mode(store) == 0o700 and mode(store / "chroma.sqlite3") == 0o600, "the store holds every document's text"
    assert mode(backup) == 0o700 and all(mode(p) == 0o600 for p in backup.rglob("*") if p.is_file()), "so does a backup"


def test_serve_warns_about_a_store_other_accounts_can_read(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import subprocess
    import sys

    store = tmp_path / "store"
    store.mkdir(mode=0o755)
    store.chmod(0o755)  # as stores made before the CLI wrote them 0700
    policykb = str(Path(sys.executable).with_name("policykb"))
    missing_users = ["--users", str(tmp_path / "nobody.txt")]  # serve stops right after its start-up checks
    opened = subprocess.run(
        [policykb, "serve", "--store", str(store), *missing_users], env=cli_env, capture_output=True, text=True, timeout=120
    )
    store.chmod(0o700)
    closed = subprocess.run(
        [policykb, "serve", "--store", str(store), *missing_users], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert f"warning: {store} is open to other accounts (mode 755)" in opened.stderr and f"chmod -R go= {store}" in opened.stderr
    assert "warning" not in closed.stderr and "nobody.txt" in closed.stderr
