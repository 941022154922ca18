"""A loopback TLS proxy that demands a token, in front of a real ``chroma run``.

``chroma run`` of this chromadb release has no authentication; hosted and distributed Chroma put
TLS and a token in front of the same HTTP API. This proxy does that: a self-signed certificate for
127.0.0.1 (its own CA, handed to the client as POLICYKB_CHROMA_CA), a header checked on every
request, and the request passed on to the real server otherwise.
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.chroma_server import free_port

_HOP_BY_HOP = {b"host", b"connection", b"keep-alive", b"transfer-encoding", b"content-length"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policykb test proxy")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def token_proxy(upstream: str, header: str, token: str, refused: list[str]) -> Any:
    """An ASGI app: requests without ``header: token`` get 401 (their paths are noted in ``refused``)."""
    expected = (header.lower().encode(), token.encode())

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if expected not in [(k.lower(), v) for k, v in scope["headers"]]:
            refused.append(scope["path"])
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"error": "Unauthorized"}'})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
        query = f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        async with httpx.AsyncClient(timeout=60) as client:
            answer = await client.request(scope["method"], f"{upstream}{scope['path']}{query}", headers=headers, content=body)
        kept = [(k.encode(), v.encode()) for k, v in answer.headers.items() if k.lower().encode() not in _HOP_BY_HOP]
        await send({"type": "http.response.start", "status": answer.status_code, "headers": kept})
        await send({"type": "http.response.body", "body": answer.content})

    return app


@contextmanager
def tls_token_proxy(upstream: str, folder: Path, header: str, token: str) -> Iterator[tuple[str, Path, list[str]]]:
    """Yield (https URL, CA file, paths refused for lack of the token) of a proxy in front of ``upstream``."""
    cert, key = self_signed(folder)
    refused: list[str] = []
    port = free_port()
    config = uvicorn.Config(
        token_proxy(upstream, header, token, refused),
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="tls-token-proxy", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the TLS proxy did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"https://127.0.0.1:{port}", cert, refused
    finally:
        server.should_exit = True
        thread.join(timeout=10)
