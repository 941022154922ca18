"""``policykb serve`` with an administrator given by POLICYKB_ADMIN_PASSWORD and no users file: the
settings loader reads the credentials, the server hashes them at start and signs that admin in,
and Gradio's private temporary folder is made inside GRADIO_TEMP_DIR (both settings fields now)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.web.conftest import serving

ADMIN = ("ops", "env-admin-pass-2026")


def test_the_admin_from_the_environment_signs_in_and_nobody_else(tmp_path: Path, cli_env: dict[str, str]) -> None:
    gradio_tmp = tmp_path / "gradio-tmp"
    gradio_tmp.mkdir()
    env = {
        **cli_env,
        "POLICYKB_ADMIN_USER": ADMIN[0],
        "POLICYKB_ADMIN_PASSWORD": ADMIN[1],
        "GRADIO_TEMP_DIR": str(gradio_tmp),
    }
    with (
        serving(["--store", str(tmp_path / "store")], env, tmp_path / "serve.log") as url,
        httpx.Client(base_url=url, timeout=120) as client,
    ):
        assert "window.gradio_api_info = null;" in client.get("/").text, "a login is required: the password means login"
        wrong = client.post("/login", data={"username": ADMIN[0], "password": "not-the-password"})
        assert wrong.status_code != 200, "a wrong password is refused"
        right = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]})
        assert right.status_code == 200, f"the admin given by POLICYKB_ADMIN_PASSWORD could not sign in: {right.text}"
        assert "named_endpoints" in client.get("/").text, "signed in, the page is whole"
        private = list(gradio_tmp.glob("policykb-gradio-*"))
        assert len(private) == 1, "the server's private temporary folder is made inside GRADIO_TEMP_DIR"
    assert not any(gradio_tmp.iterdir()), "and removed when the server stops"
