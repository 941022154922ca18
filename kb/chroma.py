"""The Chroma client: embedded ``PersistentClient`` or a Chroma server, and the server's requests bounded and retried.

kb.store builds its collections on this client; kb.healthprobe opens it in a child process.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx

from kb.config import StoreConfig
from kb.errors import StoreUnavailableError

T = TypeVar("T")


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_client(config: StoreConfig) -> Any:
    """A Chroma client for the configured mode. Telemetry is always off."""
    import chromadb

    if config.chroma_url:
        return _open_server(config, config.chroma_url)
    try:
        config.path.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds every document's text
        return chromadb.PersistentClient(path=str(config.path), settings=_chroma_settings())
    except Exception as err:
        raise StoreUnavailableError(f"cannot open the store at {config.path} ({type(err).__name__}: {err})") from err


def _open_server(config: StoreConfig, address: str) -> Any:
    """A client of the Chroma server at ``address`` (``config.chroma_url``), checked to answer within the time limit."""
    import chromadb
    from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT

    url = urlparse(address if "://" in address else f"http://{address}")
    if not url.hostname:
        raise StoreUnavailableError(f"--chroma-url '{config.chroma_url}' has no host; use http://HOST:PORT")
    if url.username or url.password:
        raise StoreUnavailableError(
            "--chroma-url carries a user name or password, which would be shown in messages; "
            "give the credential in POLICYKB_CHROMA_TOKEN instead"
        )
    if config.tls_ca is not None and url.scheme != "https":
        raise StoreUnavailableError(
            f"POLICYKB_CHROMA_CA is set but --chroma-url '{config.chroma_url}' is not https; use https://"
        )
    port = url.port or (443 if url.scheme == "https" else 8000)
    headers = dict([config.auth_header]) if config.auth_header else {}
    verify: bool | ssl.SSLContext = ssl.create_default_context(cafile=str(config.tls_ca)) if config.tls_ca else True
    try:
        # The client's constructor already talks to the server, with no time limit: ask first, with one.
        _heartbeat(url.scheme or "http", url.hostname, port, config.timeout_s, headers, verify)
        settings = _chroma_settings()
        settings.chroma_server_ssl_verify = verify
        client = chromadb.HttpClient(
            host=url.hostname,
            port=port,
            ssl=url.scheme == "https",
            headers=headers,
            settings=settings,
            tenant=config.tenant or DEFAULT_TENANT,
            database=config.database or DEFAULT_DATABASE,
        )
        _bound_requests(client, config.timeout_s)
        client.heartbeat()
    except httpx.HTTPStatusError as err:
        status = err.response.status_code
        if status in (401, 403):
            sent = f"the {config.auth_header[0]} header" if config.auth_header else "no credential"
            raise StoreUnavailableError(
                f"the Chroma server at {config.chroma_url} refused the request ({status}) with {sent}; "
                "set POLICYKB_CHROMA_TOKEN (and POLICYKB_CHROMA_AUTH_HEADER if it expects another header)"
            ) from None
        message = f"the Chroma server at {config.chroma_url} answered {status}; check --chroma-url"
        raise StoreUnavailableError(message) from None
    except Exception as err:
        raise StoreUnavailableError(
            f"cannot reach the Chroma server at {config.chroma_url} ({type(err).__name__}: {_reason(err)}); start it with "
            f"'chroma run --path DIR --host {url.hostname} --port {port}' or check --chroma-url, the tenant and the database"
        ) from err
    return client


def _reason(err: Exception) -> str:
    """The first line of an error, short: Chroma's messages name a missing tenant or database."""
    text = str(err).splitlines()[0] if str(err) else ""
    return text[:200]


def _heartbeat(
    scheme: str, host: str, port: int, timeout_s: float, headers: dict[str, str], verify: bool | ssl.SSLContext
) -> None:
    import httpx

    scheme = "https" if scheme == "https" else "http"
    url = f"{scheme}://{host}:{port}/api/v2/heartbeat"
    httpx.get(url, timeout=timeout_s, headers=headers, verify=verify).raise_for_status()


def _bound_requests(client: Any, timeout_s: float) -> None:
    """Give the Chroma client's HTTP session a time limit (chromadb 1.5 offers no setting for it).

    The session is an internal attribute: if a chromadb release moves it, requests go unbounded
    again, and a test (tests/kb/test_server_faults.py) says so.
    """
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout_s)


def call_server(config: StoreConfig, call: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """One request to the Chroma server, asked again with backoff while the server refuses or drops
    connections (restarting, briefly overloaded); then a StoreUnavailableError that says what to do.
    Every transport failure of httpx leaves here as a StoreUnavailableError: none reaches the caller raw.

    A timeout is not retried: a hung server would only multiply the wait (StoreConfig.timeout_s).
    """
    wait, waited, attempt = config.retry_wait_s, 0.0, 0
    while True:
        try:
            return call()
        except httpx.TimeoutException as err:
            raise StoreUnavailableError(
                f"the Chroma server at {config.chroma_url} did not answer within {config.timeout_s:g} s "
                f"({type(err).__name__}); check that it is not stuck or overloaded, then try again"
            ) from err
        except (httpx.NetworkError, httpx.RemoteProtocolError) as err:
            if attempt >= config.retries:
                raise StoreUnavailableError(
                    f"the Chroma server at {config.chroma_url} is not answering ({type(err).__name__}; "
                    f"{attempt + 1} attempts over {waited:.1f} s); check that it runs, then try again"
                ) from err
            sleep(wait)
            waited += wait
            wait *= 2
            attempt += 1
        except httpx.TransportError as err:  # the rest (a proxy, a protocol or scheme the client refuses): not retried
            raise StoreUnavailableError(
                f"cannot talk to the Chroma server at {config.chroma_url} ({type(err).__name__}: {_reason(err)}); "
                "check --chroma-url and any proxy between, then try again"
            ) from err


class ServerCollection:
    """A Chroma collection on a server whose requests go through :func:`call_server`."""

    _REQUESTS = frozenset({"add", "count", "delete", "get", "modify", "peek", "query", "update", "upsert"})

    def __init__(self, collection: Any, config: StoreConfig) -> None:
        self._collection = collection
        self._config = config

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._collection, name)
        if name not in self._REQUESTS:
            return found
        return lambda *args, **kwargs: call_server(self._config, lambda: found(*args, **kwargs))
