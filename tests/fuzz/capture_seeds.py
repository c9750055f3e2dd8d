#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the lab's real traffic (our own servers
only): dnsmasq answers, /testall responses, aiosmtpd replies, the lab's certificates,
requests to the box's web server, and our own configs. Run from the repository root."""
import json
import os
import socket
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
import lab as lab_module  # noqa: E402


def save(kind, name, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def dns(port, name, qtype=1):
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(q, ("127.0.0.1", port))
        return s.recv(4096)


def raw_http(port, path, mode_setter, mode):
    mode_setter("testall", mode)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: manage.lab.test\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data
            data += chunk


def smtp_dialogue(port):
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        data = s.recv(1024)
        s.sendall(b"EHLO probebox\r\n")
        data += s.recv(4096)
        s.sendall(b"QUIT\r\n")
        data += s.recv(1024)
        return data


def main():
    with tempfile.TemporaryDirectory() as tmp, lab_module.Lab(tmp, max_seconds=300) as lab:
        p = lab.ports
        for name, qtype in (("manage.lab.test", 1), ("missing.lab.test", 1), ("alias.lab.test", 1),
                            ("many.lab.test", 1), ("webtask.lab.test", 28)):
            save("dns_response", f"{name}-{qtype}", dns(p["dns"], name, qtype))
        for mode in ("ok", "fail", "chunked", "redirect"):
            save("http_response", f"testall-{mode}", raw_http(p["testall"], "/testall", lab.set, mode))
        lab.set("testall", "ok")
        for relay in ("ok", "no-starttls", "login-only"):
            save("smtp_reply", relay, smtp_dialogue(p["smtp"][relay]["port"]))
        save("certificate", "root.pem", p["tls"]["root_pem"].encode())
        with open(os.path.join(tmp, "pki", "good.chain.pem"), "rb") as f:
            save("certificate", "good-chain.pem", f.read())
    for i, req in enumerate([b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
                             b"POST /api/checks/prod.dns.manage/run HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                             b"GET /api/events?limit=10 HTTP/1.0\r\n\r\n"]):
        save("http_request", f"request-{i}", req)
    with open(os.path.join(HERE, "..", "lab", "demo-config.json"), "rb") as f:
        save("config", "demo-config.json", f.read())
    save("config", "tcp-checks.json", json.dumps({"schema": 1, "defaults": {"timeout_ms": 2000}, "checks": [
        {"id": "a", "type": "tcp", "host": "10.0.2.2", "port": 7777, "expect": "closed"},
        {"id": "b", "type": "smtp", "host": "10.0.2.2", "username": "u", "password": "p"}],
        "maintenance": [{"start": "2026-11-22T10:00:00Z", "end": "2026-11-22T11:00:00Z"}]}).encode())


if __name__ == "__main__":
    main()
