"""Where the participants' pages can be reached from: this machine's network address, and who can
get to a given address.

``partnership-tools serve`` keeps the token-guarded apps on 127.0.0.1 and serves the participants'
pages on a listener of their own (:mod:`partnership_tools.server.listener`) at the host configured,
else this machine's network address (:func:`network_address`), else 127.0.0.1 with a warning
that only this computer can reach it (:func:`choose_host`). :func:`reach` says where
participants join and whether phones can get there. Nothing here imports tornado, so the command
line stays quick to start.

>>> choose_host("127.0.0.2", detect=lambda: "10.0.0.5")
('127.0.0.2', '')
>>> choose_host("", detect=lambda: "10.0.0.5")
('10.0.0.5', '')
>>> choose_host("", detect=lambda: None)[0]
'127.0.0.1'
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_PARTICIPANTS_PORT",
    "ENV_PARTICIPANTS_HOST",
    "ENV_PARTICIPANTS_PORT",
    "NO_NETWORK",
    "Reach",
    "choose_host",
    "is_loopback",
    "network_address",
    "reach",
    "url_host",
]

#: The participants' listener's port unless configured (fixed, so printed QR codes keep working).
DEFAULT_PARTICIPANTS_PORT = 8867
#: Environment variables giving the listener's host and port when no configuration does.
ENV_PARTICIPANTS_HOST = "PT_PARTICIPANTS_HOST"
ENV_PARTICIPANTS_PORT = "PT_PARTICIPANTS_PORT"
#: Where the UDP probe "connects" to find the route out (TEST-NET-1, RFC 5737). Connecting a UDP
#: socket only asks the kernel which local address it would use; no packet is sent.
PROBE_ADDRESS = ("192.0.2.1", 9)
LOOPBACK = "127.0.0.1"
WILDCARD_HOSTS = ("", "0.0.0.0", "::")

NO_NETWORK = (
    "Warning: this computer has no network address, so only this computer can reach the"
    " participants' pages and phones cannot vote; join the room's network and start serve again,"
    " or give --participants-host or --public-url."
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this computer (127.0.0.0/8, ::1, ``localhost``).

    >>> [is_loopback(h) for h in ("127.0.0.2", "::1", "localhost", "192.168.1.20", "0.0.0.0")]
    [True, True, True, False, False]
    """
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _usable(address: str) -> bool:
    """A network address phones could reach: not loopback, unspecified or self-assigned."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def network_address(
    probe: tuple[str, int] = PROBE_ADDRESS, hostname: str | None = None
) -> str | None:
    """This machine's IPv4 address on its network, or ``None`` when it has none.

    First the address the kernel would send from towards ``probe`` (a UDP socket is
    "connected", which picks a route and sends nothing); then the addresses the host name
    resolves to. Loopback, unspecified, link-local (169.254.x.x, i.e. no DHCP answer) and
    multicast addresses do not count.
    """
    candidates: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(probe)
            candidates.append(str(s.getsockname()[0]))
    except OSError:
        pass
    try:
        name = hostname if hostname is not None else socket.gethostname()
        for info in socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM):
            candidates.append(str(info[4][0]))
    except (OSError, UnicodeError):
        pass
    return next((a for a in candidates if _usable(a)), None)


def choose_host(
    configured: str, detect: Callable[[], str | None] = network_address
) -> tuple[str, str]:
    """``(host to bind, warning)``: the configured host; else ``detect()`` (this machine's network
    address); else 127.0.0.1 with a one-sentence warning (:data:`NO_NETWORK`)."""
    configured = configured.strip()
    if configured:
        return configured, ""
    found = detect()
    if found:
        return found, ""
    return LOOPBACK, NO_NETWORK


def url_host(host: str, detect: Callable[[], str | None] = network_address) -> str:
    """The host as it goes in a URL: IPv6 in brackets; a wildcard becomes the network address.

    >>> url_host("::1"), url_host("10.0.0.5"), url_host("0.0.0.0", detect=lambda: "10.0.0.6")
    ('[::1]', '10.0.0.5', '10.0.0.6')
    """
    if host in WILDCARD_HOSTS:
        host = detect() or socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True)
class Reach:
    """Who can reach the participants' pages, as ``serve`` reports it.

    ``join_base``: the address participants use (``--public-url``, else the participants'
    listener, else the Jupyter server), without a trailing slash; ``local_only``: whether only this
    computer can reach it; ``warning``: one sentence saying so (empty when phones can reach it).
    """

    join_base: str
    local_only: bool
    warning: str = ""


def reach(
    *,
    public_url: str = "",
    listener_base: str = "",
    listener_host: str = "",
    listener_warning: str = "",
    server_base: str = "",
    server_host: str = LOOPBACK,
) -> Reach:
    """Where participants join and whether phones can get there.

    A public URL (a reverse proxy or tunnel) is trusted to be reachable. Otherwise the
    participants' listener (``listener_base``, bound to ``listener_host``) is, unless it is
    bound to loopback; with no listener the Jupyter server's own address is used.

    >>> reach(listener_base="http://10.0.0.5:8867", listener_host="10.0.0.5")
    Reach(join_base='http://10.0.0.5:8867', local_only=False, warning='')
    >>> reach(public_url="https://vote.example", listener_host="127.0.0.1").local_only
    False
    >>> reach(listener_base="http://127.0.0.2:8867", listener_host="127.0.0.2").local_only
    True
    """
    if public_url:
        return Reach(public_url.rstrip("/"), False)
    if listener_base:
        if listener_warning:
            return Reach(listener_base, True, listener_warning)
        if is_loopback(listener_host):
            return Reach(
                listener_base,
                True,
                f"Warning: the participants' pages listen on {listener_host}, so only this"
                " computer can reach them and phones cannot vote; start serve with"
                " --participants-host set to this computer's network address, or with"
                " --public-url.",
            )
        return Reach(listener_base, False)
    if is_loopback(server_host):
        return Reach(
            server_base,
            True,
            "Warning: the participants' pages are served only by the apps' server on"
            f" {server_host}, so only this computer can reach them and phones cannot vote;"
            " start serve without --no-participants-listener, or with --public-url.",
        )
    return Reach(server_base, False)
