"""Fetching an image from a publisher without letting its address reach inside our network.

Only ``http`` and ``https``. Every connection, each redirect's included (at most
``MAX_REDIRECTS``), goes to an address resolved and checked first: loopback, private,
link-local (the cloud metadata address 169.254.169.254 among them), site-local, unique-local,
multicast, reserved, documentation, unspecified and every other range that is not the public
internet (the table :data:`NOT_PUBLIC`) are refused, IPv4 and IPv6 alike (an IPv4 address
written as IPv6 is judged as the IPv4 one, and an IPv6 address leading to an IPv4 one, 6to4,
Teredo or NAT64, is judged by that one too). The connection is then made to that checked
address, never resolved again (no DNS rebinding between check and connect); HTTPS still
verifies the certificate against the host name. ``allow_loopback`` (the setting
``IMAGE_FETCH_ALLOW_LOOPBACK=1``) lets 127.0.0.0/8 and ::1 through, for tests and local hosts,
and nothing else.

Each fetch has one deadline for everything (connections, TLS handshakes, headers, redirects,
reading; a timer shuts the socket down when it passes, so a host that dribbles its headers
cannot hold a fetch past it; name resolution excepted), a cap on the bytes read, and asks
conditionally (``If-None-Match``, ``If-Modified-Since``) when it knows the copy it has. The
standard library's ``http.client`` does it: a connection whose address we choose is a few
lines there, while the usual clients resolve names themselves.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
DEFAULT_TIMEOUT = 15.0  # seconds for the whole fetch of one image
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = "newsroom-image-fetcher/1.0"
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_TLS = ssl.create_default_context()


class FetchError(Exception):
    """The image could not be fetched; the message says why, in one line."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when the copy we have is current
    data: bytes
    url: str  # after redirects
    etag: str
    last_modified: str


@dataclass(frozen=True)
class Policy:
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    allow_loopback: bool = False


def fetch(url: str, policy: Policy, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET ``url`` under ``policy``, following redirects; :class:`FetchError` on any failure."""
    headers = {"User-Agent": USER_AGENT, "Accept": "image/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = Deadline(policy.timeout)
    try:
        with deadline:
            got = _follow(url, headers, policy, deadline)
    except FetchError:
        if deadline.expired:
            raise FetchError("timed out") from None
        raise
    if deadline.expired:  # what was read may have been cut short
        raise FetchError("timed out")
    return got


def _follow(url: str, headers: dict[str, str], policy: Policy, deadline: Deadline) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = _request(url, headers, policy, deadline)
        try:
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location.strip())
                continue
            return _result(response, connection, url, policy, deadline)
        except TimeoutError:
            raise FetchError("timed out") from None
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"connection failed: {_reason(error)}") from None
        finally:
            connection.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


class Deadline:
    """One deadline for a whole fetch. A socket's timeout bounds each read alone, and a host
    that sends its headers (or its TLS handshake) a byte at a time never lets one time out:
    at the deadline, a timer shuts the connection's socket down, whatever is reading it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self.lock = threading.Lock()
        self.watched: socket.socket | None = None
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def __enter__(self) -> Deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.watch(None)

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise FetchError("timed out")
        return left

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down at the deadline (a duplicate of the connection's socket: the
        same connection, and it outlives the TLS wrapping of the original)."""
        with self.lock:
            if self.watched is not None:
                self.watched.close()
            self.watched = sock.dup() if sock is not None else None
            if self.expired:
                self._shut()

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self.watched is not None:
            with contextlib.suppress(OSError):  # closed meanwhile
                self.watched.shutdown(socket.SHUT_RDWR)


def _result(response, connection, url: str, policy: Policy, deadline: Deadline) -> Fetched:
    etag = response.getheader("ETag") or ""
    modified = response.getheader("Last-Modified") or ""
    if response.status == 304:
        return Fetched(304, b"", url, etag, modified)
    if response.status != 200:
        raise FetchError(f"HTTP {response.status} {response.reason}".strip())
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > policy.max_bytes:
        raise FetchError(f"too large: {int(length):,} bytes (at most {policy.max_bytes:,})")
    data = _read(response, connection, policy.max_bytes, deadline)
    return Fetched(200, data, url, etag, modified)


def _read(response, connection, max_bytes: int, deadline: Deadline) -> bytes:
    """The body, read against the deadline: a host that drips bytes cannot hold the run."""
    chunks, total = [], 0
    while True:
        connection.raw_socket.settimeout(deadline.remaining())
        chunk = response.read1(64 * 1024)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"too large: over {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _request(url: str, headers: dict[str, str], policy: Policy, deadline: Deadline):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) address: {url[:100]}")
    try:
        host, port = parts.hostname, parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("a bad port in the address") from None
    if not host:
        raise FetchError("no host in the address")
    address = checked_address(host, port, policy.allow_loopback)
    kind = PinnedHTTPS if scheme == "https" else PinnedHTTP
    connection = kind(host, port, deadline=deadline, address=address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse(), connection
    except TimeoutError:
        connection.close()
        raise FetchError("timed out") from None
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise FetchError(f"connection failed: {_reason(error)}") from None
    except ValueError as error:  # an address or header http.client will not send
        connection.close()
        raise FetchError(f"a bad address: {_reason(error)}") from None


def checked_address(host: str, port: int, allow_loopback: bool) -> str:
    """The address to connect to for ``host``; :class:`FetchError` when any address the name
    resolves to is one we refuse."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError(f"cannot resolve {host}") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        refused = refusal(address, allow_loopback)
        if refused:
            raise FetchError(f"refused: {host} is {refused} ({address})")
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    return addresses[0]


# Every range that is not the public internet, by its use: IANA's special-purpose address
# registries (RFC 6890 and after), and the ranges those registries retired but hosts still
# route (IPv6 site-local fec0::/10, which Python counts as global). Checked by the table, not
# by Python's ``is_global``, which differs between versions and misses some of these.
NOT_PUBLIC: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "an unspecified address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),  # 255.255.255.255, broadcast, among them
    ("::/128", "an unspecified address"),
    ("::1/128", "a loopback address"),
    ("::/96", "an IPv4-compatible (deprecated) address"),
    ("::ffff:0:0:0/96", "an IPv4-translated address"),
    ("64:ff9b:1::/48", "a local NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("100:0:0:1::/64", "a dummy address"),
    ("2001::/23", "an IETF protocol address"),  # Teredo, 2001::/32, judged by its IPv4 first
    ("2001:db8::/32", "a documentation address"),
    ("2002::/16", "a 6to4 address"),  # judged by its IPv4 address first
    ("3fff::/20", "a documentation address"),
    ("5f00::/16", "a segment-routing address"),
    ("fc00::/7", "a unique-local (private) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
)
# Ranges inside those that are public: IANA marks them globally reachable.
PUBLIC_INSIDE = (
    "192.0.0.9/32",  # PCP anycast
    "192.0.0.10/32",  # TURN anycast
    "2001:1::1/128",  # PCP anycast
    "2001:1::2/128",  # TURN anycast
    "2001:3::/32",  # AMT
    "2001:4:112::/48",  # AS112-v6
    "2001:20::/28",  # ORCHIDv2
    "2001:30::/28",  # drone remote ID
)
_NOT_PUBLIC = tuple((ipaddress.ip_network(net), why) for net, why in NOT_PUBLIC)
_PUBLIC_INSIDE = tuple(ipaddress.ip_network(net) for net in PUBLIC_INSIDE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def refusal(address: str, allow_loopback: bool = False) -> str:
    """Why a connection to this IP address is refused, or "" when it is allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for inner in _embedded(ip):
        refused = refusal(str(inner), allow_loopback)
        if refused:
            return f"{refused} inside a 6to4, Teredo or NAT64 address"
    if allow_loopback and any(ip in network for network in _LOOPBACK):
        return ""
    if any(ip in network for network in _PUBLIC_INSIDE):
        return ""
    for network, why in _NOT_PUBLIC:
        if ip.version == network.version and ip in network:
            return why
    if not ip.is_global:  # anything Python knows of that the table does not
        return "not a public address"
    return ""


def _embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one leads to: 6to4 (2002::/16), Teredo (2001::/32), the
    Teredo server's and client's, and NAT64 (64:ff9b::/96)."""
    if ip.version != 6:
        return []
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return list(ip.teredo or ())


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:120]


class PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever the host name says."""

    def __init__(self, host: str, port: int, *, deadline: Deadline, address: str) -> None:
        super().__init__(host, port, timeout=deadline.remaining())
        self.address, self.deadline = address, deadline
        self.raw_socket: socket.socket | None = None

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.deadline.watch(self.sock)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.raw_socket = self.sock  # kept: the connection lets go of it once a reply is read


class PinnedHTTPS(PinnedHTTP):
    """The same over TLS, the certificate checked against the host name."""

    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = self.raw_socket = _TLS.wrap_socket(self.sock, server_hostname=self.host)
