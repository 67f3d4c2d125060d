"""core.net's address rules for outgoing requests to URLs someone else chose (webhooks)."""

import socket

import pytest

from core.net import UnsafeAddress, address_is_public, resolve_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "240.0.0.1",  # reserved
        "::",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:127.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "not an address",
    ],
)
def test_non_public_addresses(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "145.21.48.10", "2a00:1450:4001:80b::200e", "8.8.8.8"])
def test_public_addresses(address):
    assert address_is_public(address)


def _resolving_to(monkeypatch, *addresses):
    def fake(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_resolve_public_returns_the_checked_address(monkeypatch):
    _resolving_to(monkeypatch, "93.184.215.14", "2a00:1450:4001:80b::200e")
    assert resolve_public("hooks.example.org", 443) == "93.184.215.14"


def test_resolve_public_refuses_when_any_address_is_private(monkeypatch):
    _resolving_to(monkeypatch, "93.184.215.14", "10.0.0.7")
    with pytest.raises(UnsafeAddress, match="10.0.0.7"):
        resolve_public("hooks.example.org", 443)


def test_resolve_public_allows_only_the_exact_test_addresses(monkeypatch):
    _resolving_to(monkeypatch, "127.0.0.1")
    assert resolve_public("receiver.test", 443, allowed=frozenset({"127.0.0.1"})) == "127.0.0.1"
    with pytest.raises(UnsafeAddress):
        resolve_public("receiver.test", 443, allowed=frozenset({"127.0.0.2"}))


def test_a_name_that_does_not_resolve_is_a_transient_os_error(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(OSError):
        resolve_public("nowhere.example.org", 443)
