"""Where the lab's servers listen: 127.0.0.1, except in the bench's TAP namespace
(tests/bench/tap_lab.py), where the boxes reach the lab at the TAP's host address with
nothing rewritten on the way, as a box reaches a server on its network.
PROBEBOX_LAB_ADDRESS names that address. Only 127.0.0.1 or an address of the
documentation ranges (RFC 5737) is taken, and such an address can be bound only where a
network namespace the bench made holds it."""
import ipaddress
import os

VARIABLE = "PROBEBOX_LAB_ADDRESS"
LOOPBACK = "127.0.0.1"
DOCUMENTATION_RANGES = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def listen_address():
    """The address the lab's servers bind (and its own clients reach them at)."""
    value = os.environ.get(VARIABLE, LOOPBACK)
    if value == LOOPBACK:
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise SystemExit(f"{VARIABLE}={value!r} is not an IPv4 address")
    if not any(address in net for net in DOCUMENTATION_RANGES):
        raise SystemExit(f"{VARIABLE}={value}: the lab listens only on 127.0.0.1 or a documentation-range address")
    return value
