"""``policykb serve`` and ``policykb user``: the web assistant, and the users who may sign in to it."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from policykb.commands.common import EXIT_USAGE, RAW, Parser, add_store_flags, fail, handle

if TYPE_CHECKING:
    from assistant.config import WebConfig
    from policykb.commands.common import Commands
    from policykb.settings import Settings

SERVE_EXAMPLES = """examples:
  policykb serve                                  # http://127.0.0.1:7860, the store in ./.policykb
  policykb serve --port 8080 --store /srv/policykb
  policykb serve --chroma-url http://127.0.0.1:8000 --users /etc/policykb/users
  policykb serve --host 0.0.0.0 --users users.txt  # reachable from other machines: use a login

Without --users (or POLICYKB_USERS / POLICYKB_ADMIN_PASSWORD) there is no login and nobody may add
documents unless --allow-anonymous-upload is given. The API endpoint /ask is documented in README.
"""

USER_EXAMPLES = """examples:
  policykb user add amina --users users.txt --admin     # asks for the password twice
  printf '%s\\n' "$PASSWORD" | policykb user add staff1 --users users.txt --password-stdin
  policykb user remove staff1 --users users.txt         # a running server ends staff1's sessions at once

A running 'policykb serve' reads the file again when it changes: a new password, a removal or a new
role counts from the next request, and the sessions of removed users or changed passwords end.
"""


def add(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="serve the web assistant", epilog=SERVE_EXAMPLES, formatter_class=RAW)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.add_argument("--users", type=Path, metavar="FILE", help="users file for login and roles (env POLICYKB_USERS)")
    serve.add_argument("--audit-log", type=Path, metavar="FILE", help="JSONL audit log (env POLICYKB_AUDIT_LOG)")
    serve.add_argument(
        "--allow-anonymous-upload", action="store_true", help="without login, let anyone add documents (a one-person install)"
    )
    add_store_flags(serve)
    handle(serve, run_serve, private=True)

    user = commands.add_parser("user", help="manage the web app's users", epilog=USER_EXAMPLES, formatter_class=RAW)
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=Parser)
    add_user = user_commands.add_parser("add", help="add a user or change a password")
    add_user.add_argument("name")
    add_user.add_argument("--users", type=Path, metavar="FILE", help="users file (env POLICYKB_USERS)")
    add_user.add_argument("--admin", action="store_true", help="may add documents")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    handle(add_user, run_user_add, private=True)
    remove_user = user_commands.add_parser("remove", help="remove a user (a running server ends their sessions)")
    remove_user.add_argument("name")
    remove_user.add_argument("--users", type=Path, metavar="FILE", help="users file (env POLICYKB_USERS)")
    handle(remove_user, run_user_remove, private=True)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.server import ServeConfig, serve
    from assistant.tempfiles import private_temp_dir

    if not 0 < args.port < 65536:
        return fail(f"--port {args.port} is not a port number", EXIT_USAGE)
    web = replace(
        settings.web,
        host=args.host,
        port=args.port,
        users_file=args.users or settings.web.users_file,
        audit_log=args.audit_log or settings.web.audit_log,
        anonymous_upload=args.allow_anonymous_upload,
    )
    _warn_if_open(web, settings)
    config = ServeConfig(settings.store, settings.embed, settings.retrieval, settings.ingest, settings.assistant, web)
    # A private folder inside the one the operator chose (or the system's), Gradio's from now on:
    # Gradio takes its folder only from the environment, when it loads.
    temp = private_temp_dir(web.temp_parent)
    os.environ["GRADIO_TEMP_DIR"] = str(temp)
    serve(
        config,
        temp,
        announce=lambda url: print(f"policykb: serving {settings.store.describe()} on {url} (Ctrl+C stops)", flush=True),
    )
    return 0


def _warn_if_open(web: WebConfig, settings: Settings) -> None:
    """Warn about a login-less server reachable from other machines, and a store other accounts can read."""
    if web.users_file is None and not web.admin_password and not _loopback(web.host):
        print(
            f"policykb: warning: serving on {web.host} without a login: anyone who reaches the port may ask"
            + (" and add documents" if web.anonymous_upload else "")
            + "; add --users FILE (policykb user add) or serve on 127.0.0.1",
            file=sys.stderr,
            flush=True,
        )
    store = settings.store.path
    if not settings.store.chroma_url and store.is_dir() and store.stat().st_mode & 0o077:
        # Stores made before the CLI wrote them 0700; the server does not change an operator's modes.
        print(
            f"policykb: warning: {store} is open to other accounts (mode {store.stat().st_mode & 0o777:o}) and holds "
            f"every document's text; run: chmod -R go= {store}",
            file=sys.stderr,
            flush=True,
        )


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _users_file(args: argparse.Namespace, settings: Settings) -> Path | None:
    return args.users or settings.web.users_file  # --users, else POLICYKB_USERS


def run_user_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from assistant.access import add_user

    users = _users_file(args, settings)
    if users is None:
        return fail("no users file: pass --users FILE or set POLICYKB_USERS", EXIT_USAGE)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            return fail("the two passwords differ; nothing changed")
    add_user(users, args.name, password, "admin" if args.admin else "reader")
    print(f"{users}: {args.name} ({'admin' if args.admin else 'reader'}) saved")
    return 0


def run_user_remove(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.access import remove_user

    users = _users_file(args, settings)
    if users is None:
        return fail("no users file: pass --users FILE or set POLICYKB_USERS", EXIT_USAGE)
    if not remove_user(users, args.name):
        return fail(f"{users}: no user '{args.name}'; nothing changed")
    print(f"{users}: {args.name} removed")
    return 0
