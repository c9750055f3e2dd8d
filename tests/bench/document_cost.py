#!/usr/bin/env python3
"""What the web server's documents cost the Cortex-M4 image: instructions per
GET of /api/status, /api/report, /api/events (HTTPS on one kept-alive connection,
as the web UI's, net of GET /api/session) and /metrics (plain HTTP, a connection
each, as Prometheus scrapes, net of /healthz),
for configs of N tcp checks. The image runs under QEMU with -icount shift=0, where
the firmware's busy time (/api/diagnostics cpu.busy_us) counts instructions: one
per nanosecond.

The documents are streamed in slices as the client's TCP window opens; this bench
shows what a slice costs as a document grows (linear when a slice resumes at its
part, quadratic when every slice renders the document from its start).

Usage: tests/bench/document_cost.py [--checks 26,128] [--requests 10]
Needs qemu-system-arm and the mps2-an386 image (build/mps2-an386, or PROBEBOX_IMAGE).
Every server binds 127.0.0.1; the guest reaches it as 10.0.2.2. Bounded in time.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
os.environ.setdefault("PROBEBOX_IMAGE", os.path.join(REPO, "build", "mps2-an386", "board", "mps2-an386",
                                                     "probebox-mps2-an386.elf"))
import test_qemu_image  # noqa: E402
from simtest import HOST, Listener, free_port, http_get  # noqa: E402
from test_https import colon_hex, pinned_request, unverified_context  # noqa: E402

BOOT_S = 120
MHZ = 168


def config(checks, listener):
    # A long interval: no probe runs while the documents are measured.
    return {"schema": 1, "device": {"name": "bench-documents"}, "defaults": {"interval_s": 3600, "timeout_ms": 3000},
            "checks": [{"id": f"check-number-{i:03d}", "type": "tcp", "host": HOST, "port": listener.port}
                       for i in range(checks)]}


def console_value(console, marker):
    console.seek(0)
    for line in console.read().splitlines():
        if marker in line:
            return line.rsplit(" ", 1)[1].strip() if "fingerprint" in marker else line.rsplit(":", 1)[1].strip()
    return None


class Image:
    """The image booted with a config, its ports forwarded, logged in."""

    def __init__(self, doc, tmp):
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        self.port, self.https_port = free_port(), free_port()
        self.console = open(os.path.join(tmp, "console.txt"), "w+")
        cmd = test_qemu_image.qemu_command(tmp, f"--config {path} --flash {tmp}/flash.bin",
                                           f",hostfwd=tcp:127.0.0.1:{self.port}-10.0.2.15:80"
                                           f",hostfwd=tcp:127.0.0.1:{self.https_port}-10.0.2.15:443")
        cmd[1:1] = ["-icount", "shift=0"]
        self.conn = None
        self.proc = subprocess.Popen(cmd, stdout=self.console, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + BOOT_S
        password = self.fingerprint = None
        while time.monotonic() < deadline and (password is None or self.fingerprint is None):
            password = console_value(self.console, "first-boot password:")
            self.fingerprint = console_value(self.console, "HTTPS certificate SHA-256 fingerprint")
            time.sleep(0.2)
        if password is None or self.fingerprint is None:
            raise RuntimeError("the image printed no password or fingerprint")
        _, headers, raw = self.https("POST", "/api/login", {"password": password}, session=False)
        self.session = {"Cookie": headers["Set-Cookie"].split(";", 1)[0], "X-CSRF-Token": json.loads(raw)["csrf"]}

    def https(self, method, path, body=None, session=True):
        if not session:
            status, headers, raw = pinned_request(self.https_port, self.fingerprint, method, path, body)
        else:
            # One kept-alive connection, as the web UI keeps one: no handshake in the figures.
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=60,
                                                        context=unverified_context())
                self.conn.connect()
                if colon_hex(self.conn.sock.getpeercert(binary_form=True)) != self.fingerprint:
                    raise RuntimeError("the image's certificate is not the one it printed")
            self.conn.request(method, path, headers=self.session)
            r = self.conn.getresponse()
            status, headers, raw = r.status, r.headers, r.read()
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status}")
        return status, headers, raw

    def every_check_reported(self):
        deadline = time.monotonic() + BOOT_S
        while time.monotonic() < deadline:
            checks = json.loads(self.https("GET", "/api/status")[2])["checks"]
            if all(c["status"] != "unknown" for c in checks):
                return
            time.sleep(1)
        raise RuntimeError("the checks never reported")

    def busy_ns(self):
        return json.loads(self.https("GET", "/api/diagnostics")[2])["cpu"]["busy_us"] * 1000

    def window_overhead(self):
        """What a measuring window costs with nothing in it: the second diagnostics
        request's own TLS connection falls inside (the median of three)."""
        samples = []
        for _ in range(3):
            before = self.busy_ns()
            samples.append(self.busy_ns() - before)
        self.overhead = sorted(samples)[1]

    def cost(self, fetch, requests):
        """Instructions per fetch, net of the window's own overhead, and the size of
        what came back."""
        before = self.busy_ns()
        size = 0
        for _ in range(requests):
            size = len(fetch())
        return (self.busy_ns() - before - self.overhead) / requests, size

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.proc.terminate()
        self.proc.wait(10)
        self.console.close()


def measure(checks, requests):
    listener = Listener(max_s=900)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            image = Image(config(checks, listener), tmp)
            try:
                image.every_check_reported()
                image.window_overhead()
                session, _ = image.cost(lambda: image.https("GET", "/api/session")[2], requests)
                healthz, _ = image.cost(lambda: http_get(image.port, "/healthz", timeout=60)[2], requests)
                rows = []
                for path in ("/api/status", "/api/report", "/api/events"):
                    n, size = image.cost(lambda p=path: image.https("GET", p)[2], requests)
                    rows.append((path, "HTTPS", size, n - session))
                n, size = image.cost(lambda: http_get(image.port, "/metrics", timeout=60)[2], requests)
                rows.append(("/metrics", "HTTP", size, n - healthz))
                return rows, session, healthz
            finally:
                image.close()
    finally:
        listener.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checks", default="26,128")
    ap.add_argument("--requests", type=int, default=10)
    args = ap.parse_args(argv)
    print("| checks | document | over | bytes | instructions per request (net) | ms at 168 MHz | instructions per byte |")
    print("|---|---|---|---|---|---|---|")
    for checks in (int(c) for c in args.checks.split(",")):
        rows, session, healthz = measure(checks, args.requests)
        for path, over, size, n in rows:
            print(f"| {checks} | {path} | {over} | {size} | {n / 1e6:.1f} M | {n / (MHZ * 1e3):.0f} | "
                  f"{n / max(1, size):.0f} |", flush=True)
        print(f"| {checks} | (baselines: /api/session on the kept connection {session / 1e6:.1f} M, "
              f"/healthz {healthz / 1e6:.1f} M) | | | | | |", flush=True)


if __name__ == "__main__":
    main()
