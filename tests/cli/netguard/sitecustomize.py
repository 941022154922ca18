"""Loaded by every Python process the offline test starts: records and blocks non-loopback network use.

An audit hook sees every name lookup (``socket.getaddrinfo``) and connection (``socket.connect``)
made through Python's socket module; anything that is not loopback is written to NETGUARD_LOG and
refused.
"""

import ipaddress
import os
import sys

_LOG = os.environ.get("NETGUARD_LOG")


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return True
    if host in {"localhost", ""} or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[object, ...]) -> None:
    host = None
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if host is None or _is_loopback(host):
        return
    if _LOG:
        with open(_LOG, "a") as log:
            log.write(f"{event} {host!r} in {' '.join(sys.argv)[:200]}\n")
    raise OSError(f"netguard: network access to {host!r} refused in tests")


if _LOG:
    sys.addaudithook(_hook)
