"""The floor under a steady cycle's CPU: tests/bench/socket_floor.cpp opens the
sockets of the box's own cycle against the same lab, in the box's groups, with only
the bytes that make each server answer (no TCP/IP stack of its own, and no TLS crypto
but the tls_cert checks' signature verifications, which the box and the exporter both
make).
What it costs, the kernel's share above all, is a lower bound for any client that
makes these checks over ordinary sockets on this machine; issue 20's steady goal is
measured against it."""
import hashlib
import json
import os
import ssl
import subprocess
import tempfile

from lab import a_query
from peer_configs import host_port


def client_hello(name):
    """The first flight of a TLS 1.2 client for SNI `name` (Python's ssl, never sent by it)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


NTP_CLIENT = b"\x23" + b"\0" * 47


def signature_line(count):
    """`count` RSA-2048 PKCS#1 v1.5 SHA-256 verifications a cycle, the work of a
    tls_cert probe's ServerKeyExchange check, on a key made here by openssl."""
    with tempfile.TemporaryDirectory(prefix="floor-key.") as tmp:
        key = os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
                       check=True, capture_output=True, timeout=60)
        public = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True,
                                capture_output=True, timeout=30).stdout
        data = b"socket_floor: a ServerKeyExchange's signed parameters"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=data, check=True,
                             capture_output=True, timeout=30).stdout
    return f"rsa {count} {public.hex()} {hashlib.sha256(data).hexdigest()} {sig.hex()}"


def plan(checks):
    """socket_floor's plan: one line per socket of the box's cycle, in the box's order."""
    lines = []
    for c in checks:
        kind, port = c["kind"], host_port(f"{c['host']}:{c['port']}")[1]
        if kind == "tls_cert":
            lines.append(f"tls {port} {client_hello(c['name']).hex()}")
        elif kind == "http_redirect":
            req = f"GET {c['path']} HTTP/1.1\r\nHost: {c['name']}\r\nConnection: close\r\n\r\n".encode()
            lines.append(f"http {port} {req.hex()}")
        elif kind == "http":
            for _ in range(c["samples"]):
                if c["scheme"] == "https":
                    lines.append(f"tls {port} {client_hello(c['name']).hex()}")
                else:
                    req = f"GET {c['path']} HTTP/1.1\r\nHost: {c['name']}\r\nConnection: close\r\n\r\n".encode()
                    lines.append(f"http {port} {req.hex()}")
        elif kind == "smtp":
            lines.append(f"smtp {port}")
        elif kind == "tcp":
            lines.append(f"connect {port}")
        elif kind == "tcp_closed":
            lines.append(f"refused {port}")
        elif kind == "dns":
            lines.append(f"udp {port} {a_query(c['name']).hex()}")
        elif kind == "ntp":
            lines.append(f"udp {port} {NTP_CLIENT.hex()}")
        else:
            raise ValueError(f"floor: no socket plan for a {kind} check")
    lines.append(signature_line(sum(1 for c in checks if c["kind"] == "tls_cert")))
    return "\n".join(lines) + "\n"


def run_json(cmd, timeout, stdin=None):
    """Runs one of the bench's C++ tools and returns the JSON object it prints; its exit
    status and stderr in the error otherwise."""
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} exit {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def measure(binary, checks, cycles, interval_ms, timeout=300):
    """socket_floor's figures per cycle: {jobs, cycles, cpu_ms, user_ms, sys_ms, wakeups, signatures,
    signature_ms} (signature_ms is inside cpu_ms)."""
    return run_json([binary, str(cycles), str(interval_ms)], timeout, stdin=plan(checks))


def default_binary(repo):
    return os.path.join(repo, "build", "sim-release", "tests", "socket_floor")


WAKE_GAPS_MS = (1, 20)  # a reply a moment later; a start group planned 20 ms after the one before


def wake_cost(binary, gaps=WAKE_GAPS_MS, timeout=60):
    """tests/bench/wake_cost.cpp: CPU microseconds of one bare sleep and wake-up on this
    machine after each gap, {gap_ms: us}."""
    return {int(k): v for k, v in run_json([binary, *map(str, gaps)], timeout).items()}


WAKE_PEER_GAPS_US = (200, 1000)  # a server's answer a fraction of a millisecond after the last, or one later


def wake_cost_peer(binary, gaps=WAKE_PEER_GAPS_US, timeout=60):
    """tests/bench/wake_cost.cpp --peer: CPU microseconds of one sleep ended by another
    process's byte on a socket, the byte coming every gap (microseconds), as a lab
    server's answer ends a wait of the simulator's loop in a cycle; {gap_us: us}."""
    return {int(k): v for k, v in run_json([binary, "--peer", *map(str, gaps)], timeout).items()}


def wake_cost_binary(repo):
    return os.path.join(repo, "build", "sim-release", "tests", "wake_cost")
