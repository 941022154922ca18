"""Attacks on a live ``policykb serve`` with login (issue #18), made as an attacker makes them.

One server per module, over a one-document store of its own, with Gradio's temporary folder where
the tests can look into it. Raw HTTP (httpx) speaks Gradio's wire protocol directly, so a payload
the browser would never send (a ``FileData`` naming a server file) reaches the server as it would
from a hostile client. Each test is one finding of the issue; each failed before its fix.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.access import add_user
from tests.web.conftest import POLICYKB, serving_process

ADMIN = ("aicha", "admin-pass-2026")
READER = ("omar", "reader-pass-2026")
VICTIM = ("victim", "victim-pass-2026")
DOOMED = ("doomed", "doomed-pass-2026")
CHANGER = ("changer", "changer-pass-2026")
PROMOTED = ("promoted", "promoted-pass-2026")
CANARY = f"canary-{secrets.token_hex(8)}"  # in the users file: its bytes must never come back
SYSTEM_FILE = Path("/etc/passwd")
DOCUMENT = """# Fisheries cluster charter (test document)

Article 1
The fisheries cluster of the test programme publishes a quarterly landing bulletin.
"""


@dataclass(frozen=True)
class Server:
    url: str
    base: Path
    store: Path
    users: Path
    audit_log: Path
    gradio_tmp: Path
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str]) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("security")
    docs, store, users, audit = base / "docs", base / "store", base / "users.txt", base / "audit.jsonl"
    docs.mkdir()
    (docs / "charter.en.md").write_text(DOCUMENT, encoding="utf-8")
    (docs / "charter.en.md.meta.json").write_text(json.dumps({"country": "LB", "doc_type": "guideline"}), encoding="utf-8")
    ingest = subprocess.run(
        [POLICYKB, "ingest", str(docs), "--store", str(store), "--quiet"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ingest.returncode == 0, ingest.stderr
    users.write_text(f"# {CANARY}\n", encoding="utf-8")
    for (name, password), role in (
        (ADMIN, "admin"), (READER, "reader"), (VICTIM, "reader"), (DOOMED, "reader"), (CHANGER, "reader"), (PROMOTED, "reader"),
    ):  # fmt: skip
        add_user(users, name, password, role)  # type: ignore[arg-type]
    gradio_tmp = base / "gradio-tmp"
    gradio_tmp.mkdir()
    env = {**cli_env, "GRADIO_TEMP_DIR": str(gradio_tmp)}
    arguments = ["--store", str(store), "--users", str(users), "--audit-log", str(audit)]
    with serving_process(arguments, env, base / "serve.log") as (url, process):
        yield Server(url, base, store, users, audit, gradio_tmp, process)


@contextmanager
def session(server: Server, user: tuple[str, str] | None, address: str = "127.0.0.1") -> Iterator[httpx.Client]:
    """An HTTP client from ``address`` (any 127.x.y.z reaches the loopback server), signed in as ``user``."""
    with httpx.Client(base_url=server.url, timeout=120, transport=httpx.HTTPTransport(local_address=address)) as client:
        if user is not None:
            response = client.post("/login", data={"username": user[0], "password": user[1]})
            assert response.status_code == 200, f"{user[0]} could not sign in: {response.status_code} {response.text}"
        yield client


def login_status(server: Server, user: tuple[str, str], address: str = "127.0.0.1") -> int:
    with session(server, None, address) as client:
        return client.post("/login", data={"username": user[0], "password": user[1]}).status_code


def file_data(path: Path) -> dict[str, Any]:
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def chat_history(path: Path) -> list[dict[str, Any]]:
    """A conversation history as Gradio's Chatbot sends it, with one part that is a file."""
    return [{"role": "user", "content": [{"type": "file", "file": file_data(path)}]}]


def call(client: httpx.Client, fn_index: int, data: list[Any]) -> str:
    """Run one event through Gradio's queue and through its direct route; everything the server said."""
    said = []
    direct = client.post(
        "/gradio_api/run/predict", json={"data": data, "fn_index": fn_index, "session_hash": secrets.token_hex(6)}
    )
    said.append(direct.text)
    session_hash = secrets.token_hex(6)
    join = client.post(
        "/gradio_api/queue/join",
        json={"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": None, "trigger_id": None},
    )
    said.append(join.text)
    if join.status_code == 200:
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as stream:
            for line in stream.iter_lines():
                said.append(line)
                if "process_completed" in line or "close_stream" in line:
                    break
    return "\n".join(said)


def call_named(client: httpx.Client, api_name: str, data: list[Any]) -> str:
    """Run a named endpoint through Gradio's other entry point, /gradio_api/call/<name>; everything it said."""
    started = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    said = [started.text]
    if started.status_code == 200 and "event_id" in started.json():
        with client.stream("GET", f"/gradio_api/call/{api_name}/{started.json()['event_id']}") as stream:
            ending = False
            for line in stream.iter_lines():
                said.append(line)
                if ending and line.startswith("data:"):
                    break  # the data line after the last event
                ending = ending or line.startswith(("event: complete", "event: error"))
    return "\n".join(said)


def fn_index(client: httpx.Client, api_name: str) -> int:
    config = client.get("/config").json()
    return int(next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name))


def secrets_of(server: Server) -> dict[Path, bytes]:
    """Each file an attacker wants, with bytes that identify it."""
    return {
        server.users: CANARY.encode(),
        server.audit_log: server.audit_log.read_bytes().splitlines()[0] if server.audit_log.exists() else b"\0never",
        server.store / "chroma.sqlite3": b"SQLite format 3\x00",
        SYSTEM_FILE: SYSTEM_FILE.read_bytes().splitlines()[0],
    }


def assert_never_leaked(server: Server, client: httpx.Client, said: str, marks: dict[Path, bytes]) -> None:
    """Neither the answers, nor any file they point to, nor Gradio's temporary folder holds a secret's bytes."""
    for path, mark in marks.items():
        assert mark.decode("latin-1") not in said, f"{path}'s bytes came back in a response"
    for url in {part.split('"')[0] for part in said.split("/gradio_api/file=")[1:]}:
        body = client.get(f"/gradio_api/file={url}").content
        for path, mark in marks.items():
            assert mark not in body, f"{path} was served back at /gradio_api/file={url}"
    for copied in server.gradio_tmp.rglob("*"):
        if copied.is_file():
            content = copied.read_bytes()
            for path, mark in marks.items():
                assert mark not in content, f"{path} was copied into Gradio's temporary folder as {copied}"


# --- finding 1: any signed-in reader could read any file through the chat history --------------


def test_a_chat_history_naming_a_server_file_never_returns_it(server: Server) -> None:
    marks = secrets_of(server)
    with session(server, READER) as reader:
        chat = fn_index(reader, "chat")
        inputs = len(reader.get("/config").json()["dependencies"][chat]["inputs"])
        for target in marks:
            # As the attack: the question, then the history; states are kept by the server (None).
            data = ["What does the fisheries cluster publish?", chat_history(target), *[None] * (inputs - 2)]
            assert_never_leaked(server, reader, call(reader, chat, data), marks)


def test_the_chat_event_takes_no_history_from_clients(server: Server, tmp_path: Path) -> None:
    with session(server, READER) as reader:
        config = reader.get("/config").json()
    kinds = {component["id"]: component["type"] for component in config["components"]}
    chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
    assert "chatbot" not in {kinds[i] for i in chat["inputs"]}, "the conversation is the server's, not the client's"
    client = Client(server.url, auth=READER, verbose=False, download_files=str(tmp_path), analytics_enabled=False)
    try:
        answer = client.predict("What does the fisheries cluster publish?", ["LB"], [], [], None, None, api_name="/chat")
    finally:
        client.close()
    assert "quarterly landing bulletin" in str(answer[0]), "the chat still answers, through gradio_client"


def test_every_endpoint_refuses_file_data_naming_server_files(server: Server) -> None:
    marks = secrets_of(server)
    with session(server, ADMIN) as admin:
        for target in marks:  # Gradio's file routes, asked directly
            for route in (f"/gradio_api/file={target}", f"/gradio_api/file/{target}", f"/file={target}"):
                assert_never_leaked(server, admin, admin.get(route).text, marks)
        dependencies = admin.get("/config").json()["dependencies"]
        assert len(dependencies) > 20, "the walk covers every event of the app"
        for target in marks:
            shapes = [file_data(target), [file_data(target)], chat_history(target)]
            for dependency in dependencies:
                for shape in shapes:
                    data = [shape] * len(dependency["inputs"])
                    assert_never_leaked(server, admin, call(admin, dependency["id"], data), marks)
                    if dependency.get("api_name"):
                        assert_never_leaked(server, admin, call_named(admin, dependency["api_name"], data), marks)
    assert login_status(server, ADMIN) == 200, "the walk left the admin able to sign in"


# --- finding 2: uploads take only files received through the upload route, roles first ---------


def test_an_admin_upload_naming_a_server_file_ingests_nothing(server: Server) -> None:
    with session(server, ADMIN) as admin:
        said = call(admin, fn_index(admin, "upload"), [[file_data(server.users)], "LB", "guideline", None, "", "en"])
        assert "uploads/users.txt" not in said.replace("error", ""), said
        assert admin.get("/document/uploads/users.txt").status_code == 404
    assert not (server.store / "uploads" / "users.txt").exists(), "the users file was copied into the uploads"
    assert "was not uploaded by a user" in said, "Gradio's own check refuses the path before the app sees it"


def test_a_reader_upload_is_refused_before_any_file_is_written(server: Server) -> None:
    payload = f"reader upload {secrets.token_hex(8)}".encode()
    with session(server, READER) as reader:
        response = reader.post("/gradio_api/upload", files={"files": ("note.md", payload, "text/markdown")})
    assert response.status_code == 403, response.text
    assert not [p for p in server.gradio_tmp.rglob("*") if p.is_file() and payload in p.read_bytes()], "the file was written"
    refused = [e for e in audit(server) if e["event"] == "upload_refused" and e["user"] == READER[0]]
    assert refused, "the refused upload is in the audit log"


def test_an_admin_upload_through_the_upload_route_is_ingested(server: Server) -> None:
    note = b"# Harbour note (test)\n\nArticle 1\nThe harbour authority of the test programme counts sardine landings weekly.\n"
    with session(server, ADMIN) as admin:
        sent = admin.post("/gradio_api/upload", files={"files": ("harbour.en.md", note, "text/markdown")})
        assert sent.status_code == 200, sent.text
        path = sent.json()[0]
        said = call(
            admin,
            fn_index(admin, "upload"),
            [[{**file_data(Path(path)), "orig_name": "harbour.en.md"}], "LB", "", None, "", "en"],
        )
        assert "uploads/harbour.en.md" in said, said
        # Another session of the same admin did not receive that file: it may not name it.
    with session(server, ADMIN) as other:
        said = call(other, fn_index(other, "upload"), [[file_data(Path(path))], "LB", "", None, "", "en"])
        assert "was not uploaded in this session" in said, said
    refused = [e for e in audit(server) if e["event"] == "upload_refused" and e["user"] == ADMIN[0]]
    assert refused and refused[-1]["address"] == "127.0.0.1", "the refusal is in the audit log with the client address"
    assert refused[-1]["files"] == [Path(path).name]


def audit(server: Server) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.audit_log.read_text(encoding="utf-8").splitlines()]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- finding 3: the users file counts while the server runs -------------------------------------


def user_command(arguments: list[str], env: dict[str, str], password: str = "") -> None:
    done = subprocess.run(
        [POLICYKB, "user", *arguments], input=password + "\n", env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_users_file_changes_count_at_the_next_request(server: Server, cli_env: dict[str, str]) -> None:
    new_password = "changed-pass-2026"
    users = ["--users", str(server.users)]
    with session(server, DOOMED) as doomed, session(server, CHANGER) as changer, session(server, PROMOTED) as promoted:
        assert doomed.get("/config").status_code == changer.get("/config").status_code == 200
        user_command(["add", CHANGER[0], *users, "--password-stdin"], cli_env, new_password)
        assert changer.get("/config").status_code == 401, "a changed password ends the old sessions"
        user_command(["remove", DOOMED[0], *users], cli_env)
        # A role edited by hand (the hash unchanged: `user add` would hash anew and end the sessions).
        edited = server.users.with_name("users.edited")
        edited.write_text(server.users.read_text().replace(f"{PROMOTED[0]}:reader:", f"{PROMOTED[0]}:admin:"))
        edited.replace(server.users)
        assert doomed.get("/config").status_code == 401, "a removed user's session ends"
        sent = promoted.post("/gradio_api/upload", files={"files": ("promoted.md", b"# Promoted\n", "text/markdown")})
        assert sent.status_code == 200, "a new role counts in the same session"
    elsewhere = "127.0.0.3"  # these failures must not slow the other tests' address
    assert login_status(server, CHANGER, elsewhere) == 400, "the old password no longer works"
    assert login_status(server, (CHANGER[0], new_password), elsewhere) == 200
    assert login_status(server, DOOMED, elsewhere) == 400


# --- finding 4: failed logins slow their own address down, never the account --------------------


def test_wrong_logins_from_elsewhere_never_lock_a_real_user_out(server: Server) -> None:
    attacker = "127.0.0.2"
    statuses = [login_status(server, (VICTIM[0], f"wrong-password-{n}"), attacker) for n in range(8)]
    with session(server, None, attacker) as client:  # a forged forwarding header is no fresh address
        forged = client.post(
            "/login", data={"username": VICTIM[0], "password": "wrong-again"}, headers={"X-Forwarded-For": "203.0.113.9"}
        )
    assert statuses == [400] * 8 and forged.status_code == 400
    assert login_status(server, VICTIM, "127.0.0.1") == 200, "the real user, at another address, signs in"
    events = [e for e in audit(server) if e["user"] == VICTIM[0] and e["event"].startswith("login")]
    failed = [e for e in events if e["event"] == "login_failed"]
    throttled = [e for e in events if e["event"] == "login_throttled"]
    assert throttled and {e["address"] for e in failed + throttled} == {attacker}, "refusals are logged with the address"
    assert len(failed) <= 6, f"{len(failed)} of 9 guesses were checked; after 3 the address waits 1 s, 2 s, 4 s ..."
    assert events[-1]["event"] == "login" and events[-1]["address"] == "127.0.0.1"


# --- finding 5: headers, CORS, the login page, the audit log's lines, file modes, temporary files ---


def test_every_page_has_security_headers_and_other_origins_get_no_cors(server: Server) -> None:
    with session(server, None) as anonymous:
        pages = [anonymous.get("/"), anonymous.get("/gradio_api/info"), anonymous.get("/document/charter.en.md")]
    with session(server, READER) as reader:
        pages += [reader.get("/"), reader.get("/config"), reader.get("/document/charter.en.md")]
        foreign = "http://localhost:9"  # any port of localhost was trusted with credentials
        read = reader.get("/config", headers={"Origin": foreign})
        preflight = reader.options("/gradio_api/queue/join", headers={"Origin": foreign, "Access-Control-Request-Method": "POST"})
        posted = reader.post(
            "/gradio_api/queue/join", json={"data": [], "fn_index": 0, "session_hash": "x"}, headers={"Origin": foreign}
        )
        own = reader.get("/config", headers={"Origin": server.url})
    opened = [e for e in audit(server) if e["event"] in ("document", "document_refused") and e["doc_id"] == "charter.en.md"]
    assert [(e["event"], e["user"], e["address"]) for e in opened[-2:]] == [
        ("document_refused", None, "127.0.0.1"),
        ("document", READER[0], "127.0.0.1"),
    ], "document downloads, and refusals, are in the audit log"
    for page in pages:
        where = f"{page.request.method} {page.request.url.path} ({page.status_code})"
        assert page.headers.get("x-frame-options") == "DENY", where
        assert "frame-ancestors 'none'" in page.headers.get("content-security-policy", ""), where
        assert page.headers.get("x-content-type-options") == "nosniff", where
    policy = [part.strip() for part in pages[-1].headers["content-security-policy"].split(";")]
    assert pages[-1].status_code == 200 and "sandbox" in policy, "a document stays sandboxed"
    assert "default-src 'none'" in policy, "a text original, shown as its text, runs and fetches nothing"
    assert "access-control-allow-origin" not in read.headers and "access-control-allow-credentials" not in read.headers
    assert preflight.status_code == 403 and posted.status_code == 403, "another site may not post with the user's cookies"
    assert own.status_code == 200


def test_the_login_page_carries_no_api_description(server: Server) -> None:
    with session(server, None) as anonymous:
        page = anonymous.get("/").text
    assert "window.gradio_api_info = null;" in page and "named_endpoints" not in page and "/upload" not in page
    with session(server, READER) as reader:
        assert "named_endpoints" in reader.get("/").text, "signed in, the page is whole again"


def test_audit_records_stay_one_per_line_whatever_the_text(server: Server) -> None:
    forged = 'mallory\u2028{"event": "login", "user": "aicha"}\u2029and\u0085more'  # inside: Gradio strips the ends
    assert login_status(server, (forged, "wrong-password"), "127.0.0.4") == 400
    raw = server.audit_log.read_bytes()
    for separator in ("\u2028", "\u2029", "\u0085"):
        assert separator.encode() not in raw, f"U+{ord(separator):04X} written raw"
    records = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert any(r["event"] == "login_failed" and r["user"] == forged and r["address"] == "127.0.0.4" for r in records)


def admin_upload(server: Server, name: str, text: str) -> str:
    """Upload ``text`` as ``name`` through the upload route and add it, as an admin's browser does."""
    with session(server, ADMIN) as admin:
        sent = admin.post("/gradio_api/upload", files={"files": (name, text.encode(), "text/markdown")})
        assert sent.status_code == 200, sent.text
        given = {**file_data(Path(sent.json()[0])), "orig_name": name}
        return call(admin, fn_index(admin, "upload"), [[given], "LB", "", None, "", "en"])


def test_store_uploads_and_audit_log_are_private(server: Server) -> None:
    said = admin_upload(server, "quay.en.md", "# Quay rules (test)\n\nArticle 1\nThe quay of the test port closes at dusk.\n")
    assert "uploads/quay.en.md" in said, said
    assert _mode(server.store) == 0o700, "the store holds every document's text"
    assert _mode(server.store / "chroma.sqlite3") == 0o600
    assert _mode(server.audit_log) == 0o600
    assert _mode(server.store / "uploads") == 0o700
    assert all(_mode(p) == 0o600 for p in (server.store / "uploads").iterdir() if p.is_file())


def test_temporary_files_are_private_and_removed_when_the_server_stops(server: Server) -> None:
    """The last test of the module: it stops the server."""
    admin_upload(server, "mole.en.md", "# Mole (test)\n\nArticle 1\nThe mole of the test port is lit at night.\n")
    (folder,) = list(server.gradio_tmp.glob("policykb-gradio-*"))
    assert _mode(folder) == 0o700 and any(p.is_file() for p in folder.rglob("*")), "uploads went to the private folder"
    server.process.terminate()  # SIGTERM, as a service manager stops it
    server.process.wait(timeout=30)
    assert not list(server.gradio_tmp.iterdir()), "nothing of the server is left in the temporary folder"
