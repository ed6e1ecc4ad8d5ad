"""Fetching from publishers safely (articles.images.safehttp), against a server the test
starts on 127.0.0.1: only http(s), no internal address (redirects included), a deadline, a
byte cap, conditional requests."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from articles.images.safehttp import (
    NOT_PUBLIC,
    PUBLIC_INSIDE,
    FetchError,
    Policy,
    checked_address,
    fetch,
    refusal,
)
from tests.helpers import images

LOCAL = Policy(timeout=5, allow_loopback=True)


@pytest.fixture
def server():
    with images.ImageServer() as running:
        yield running


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "shared (carrier-grade NAT) address"),
        ("2002:7f00:1::", "loopback address inside a 6to4, Teredo or NAT64 address"),
        ("2002:a9fe:a9fe::", "link-local address inside a 6to4"),
        ("2002:a00:1::1", "private address inside a 6to4"),
        ("2001:0:5db8:d822::80fe:fffe", "loopback address inside a 6to4, Teredo"),  # 127.1.0.1
        # Python counts these global (3.11): the image fetcher connected to them.
        ("fec0::1", "site-local"),
        ("feff:ffff::1", "site-local"),
        ("64:ff9b::7f00:1", "loopback address inside a 6to4, Teredo or NAT64"),
        ("64:ff9b::a9fe:a9fe", "link-local address inside a 6to4, Teredo or NAT64"),
        ("64:ff9b:1::1", "local NAT64"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("::ffff:0:a00:1", "IPv4-translated"),
        ("100::1", "discard-only"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("5f00::1", "segment-routing"),
        ("fe80::1%eth0", "link-local"),
        ("192.0.2.1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("192.88.99.1", "6to4 relay"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_internal_addresses_are_refused(address, why):
    assert why in refusal(address)


def _first_middle_last(network: str) -> list[str]:
    net = ipaddress.ip_network(network)
    return [str(net[0]), str(net[net.num_addresses // 2]), str(net[-1])]


@pytest.mark.parametrize(
    ("network", "why"), [(network, why) for network, why in NOT_PUBLIC], ids=lambda v: str(v)
)
def test_every_range_of_the_table_is_refused_from_end_to_end(network, why):
    public = [ipaddress.ip_network(n) for n in PUBLIC_INSIDE]
    for address in _first_middle_last(network):
        if any(ipaddress.ip_address(address) in p for p in public):
            continue
        assert refusal(address), address
        assert refusal(address, allow_loopback=True) or network in ("127.0.0.0/8", "::1/128")


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "64:ff9b::808:808", "2001:4860:4860::8888"],
)
def test_public_addresses_of_every_form_are_allowed(address):
    assert refusal(address) == ""


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address):
    assert refusal(address) == ""


def test_allowing_loopback_lets_only_loopback_through():
    assert refusal("127.0.0.1", allow_loopback=True) == ""
    assert refusal("127.5.0.1", allow_loopback=True) == ""
    assert refusal("::1", allow_loopback=True) == ""
    for address in ("10.0.0.1", "169.254.169.254", "192.168.0.1", "fe80::1", "0.0.0.0"):
        assert refusal(address, allow_loopback=True), address


def test_a_name_that_resolves_to_loopback_is_refused_unless_allowed():
    with pytest.raises(FetchError, match="refused: localhost is a loopback address"):
        checked_address("localhost", 80, allow_loopback=False)
    assert checked_address("localhost", 80, allow_loopback=True) in ("127.0.0.1", "::1")


@pytest.mark.slow
def test_the_local_server_is_refused_without_the_loopback_setting(server):
    url = server.add("/a.jpg", images.photo((200, 100)))
    with pytest.raises(FetchError, match="loopback"):
        fetch(url, Policy(timeout=5))
    assert server.requests["/a.jpg"] == 0


@pytest.mark.slow
def test_an_image_is_fetched_with_its_validators(server):
    body = images.photo((200, 100))
    url = server.add("/a.jpg", body, etag='"v1"', headers={"Last-Modified": "Mon, 01 Jan 2024"})
    got = fetch(url, LOCAL)
    assert (got.status, got.data, got.etag) == (200, body, '"v1"')
    assert got.last_modified == "Mon, 01 Jan 2024"
    again = fetch(url, LOCAL, etag='"v1"')
    assert (again.status, again.data) == (304, b"")
    assert server.not_modified["/a.jpg"] == 1


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "file:///etc/passwd", "data:,x"])
def test_only_http_and_https(url):
    with pytest.raises(FetchError, match="not an http"):
        fetch(url, LOCAL)


@pytest.mark.slow
def test_a_redirect_to_an_internal_address_is_refused(server):
    url = server.add("/r", status=302, headers={"Location": "http://169.254.169.254/latest/"})
    with pytest.raises(FetchError, match="refused: 169.254.169.254 is a link-local address"):
        fetch(url, LOCAL)


@pytest.mark.slow
def test_a_redirect_to_another_scheme_is_refused(server):
    url = server.add("/r", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="not an http"):
        fetch(url, LOCAL)


@pytest.mark.slow
def test_redirects_are_followed_a_few_times_only(server):
    body = images.photo((100, 50))
    server.add("/final.jpg", body)
    server.add("/r1", status=302, headers={"Location": "/final.jpg"})
    assert fetch(server.url("/r1"), LOCAL).data == body
    server.add("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(server.url("/loop"), LOCAL)
    assert server.requests["/loop"] == 4


@pytest.mark.slow
def test_errors_name_the_status(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(server.url("/missing.jpg"), LOCAL)


@pytest.mark.slow
def test_a_body_over_the_byte_cap_is_refused(server):
    url = server.add("/big.jpg", b"x" * 5000)
    with pytest.raises(FetchError, match="too large: 5,000 bytes"):
        fetch(url, Policy(timeout=5, max_bytes=1000, allow_loopback=True))


@pytest.mark.slow
def test_a_body_over_the_cap_without_a_length_is_refused(server):
    url = server.add("/big.jpg", b"x" * 5000, headers={"Transfer-Encoding": "identity"})
    server.routes["/big.jpg"].headers = {}
    policy = Policy(timeout=5, max_bytes=1000, allow_loopback=True)
    with pytest.raises(FetchError, match="too large"):
        fetch(url, policy)


@pytest.mark.slow
def test_a_slow_host_runs_into_the_deadline(server):
    url = server.add("/slow.jpg", images.photo((200, 100)), delay=0.6)
    with pytest.raises(FetchError, match="timed out"):
        fetch(url, Policy(timeout=1.0, allow_loopback=True))


def test_a_closed_port_is_a_failed_connection():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="connection failed"):
        fetch(f"http://127.0.0.1:{port}/a.jpg", LOCAL)


@pytest.mark.slow
def test_an_address_http_client_will_not_send_is_a_failure_not_a_crash(server):
    with pytest.raises(FetchError, match="a bad address"):
        fetch(server.url("/caf\u00e9.jpg"), LOCAL)
    with pytest.raises(FetchError, match="can't contain control characters"):
        fetch(server.url("/a b.jpg"), LOCAL)


@pytest.mark.slow
def test_a_host_that_dribbles_its_headers_runs_into_the_deadline():
    """Every header line comes well within a socket timeout, and the headers never end in
    time: the deadline covers the whole fetch, not each read (nor the body alone)."""
    lines, sent = 200, []
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def dribble() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                try:
                    connection.sendall(b"HTTP/1.1 200 OK\r\n")
                    for n in range(lines):
                        time.sleep(0.05)
                        connection.sendall(b"X-Slow-%d: yes\r\n" % n)
                        sent.append(n)
                except OSError:
                    return

        thread = threading.Thread(target=dribble, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        with pytest.raises(FetchError, match="timed out"):
            fetch(f"http://127.0.0.1:{port}/a.jpg", Policy(timeout=0.5, allow_loopback=True))
        assert len(sent) < lines  # gave up while the headers were still coming
        thread.join()
