"""What one full HTTPS handshake of the web UI costs the Cortex-M4 (docs/performance.md).

The mps2-an386 image under QEMU with `-icount shift=0` (one virtual nanosecond per
instruction, so /api/diagnostics' `cpu.busy_us` x 1000 is an instruction count), an
idle config, its own P-256 identity. `openssl s_client` makes full handshakes (no
ticket, no resumption) one at a time, by protocol version and key-exchange group; the
box's busy time is read before and after each, less what one read of
/api/diagnostics costs (the least of three back-to-back pairs: the read is an HTTPS
request too). Prints a table; run after building the mps2-an386 preset:

    python3 tests/bench/ui_handshake_cost.py [--rounds 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import test_qemu_image as image  # noqa: E402
from test_https import pinned_request  # noqa: E402

DEFAULT_IMAGE = os.path.join(REPO, "build", "mps2-an386", "board", "mps2-an386", "probebox-mps2-an386.elf")
MHZ = 168
# (label, s_client arguments): what a browser or a script may ask of the box.
CASES = [
    ("TLS 1.3, X25519 (every current browser)", ["-tls1_3", "-groups", "X25519"]),
    ("TLS 1.3, P-256", ["-tls1_3", "-groups", "P-256"]),
    ("TLS 1.3, P-384", ["-tls1_3", "-groups", "P-384"]),
    # In TLS 1.2 the client's groups also name the curves it verifies signatures on:
    # the box's P-256 certificate needs P-256 among them.
    ("TLS 1.2, X25519 then P-256", ["-tls1_2", "-groups", "X25519:P-256"]),
    ("TLS 1.2, ECDHE P-256", ["-tls1_2", "-groups", "P-256"]),
]


def handshake(port, args):
    """One full handshake by openssl s_client: the key exchange it made ("X25519",
    "ECDH, prime256v1", ...), or None when it did not complete."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-no_ticket", *args],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    if "Cipher is" not in r.stdout or "(NONE)" in r.stdout:
        return None
    for line in r.stdout.splitlines():
        if "Temp Key:" in line:
            return line.split(":", 1)[1].rsplit(",", 1)[0].strip()
    return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="handshakes per case")
    ap.add_argument("--image", default=os.environ.get("PROBEBOX_IMAGE", DEFAULT_IMAGE))
    a = ap.parse_args(argv)
    if not os.path.exists(a.image):
        raise SystemExit(f"ui_handshake_cost: no image at {a.image} (cmake --build --preset mps2-an386)")
    image.IMAGE = a.image
    rows = []
    with tempfile.TemporaryDirectory(prefix="ui-handshake.") as tmp:
        path = image.config_file(tmp, {"schema": 1, "device": {"name": "probe-handshake-cost"},
                                       "defaults": {"interval_s": 600}, "checks": []})
        with image.web_image(tmp, f"--config {path}", extra_qemu=["-icount", "shift=0"]) as (
                _proc, _port, https_port, password, fingerprint, _deadline):
            session = image.login(https_port, fingerprint, password)

            def busy_us():
                status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/diagnostics", headers=session)
                if status != 200:
                    raise RuntimeError(f"/api/diagnostics: {status} {raw[:200]!r}")
                return json.loads(raw)["cpu"]["busy_us"]

            read = []
            for _ in range(3):
                first = busy_us()
                read.append(busy_us() - first)
                time.sleep(0.5)
            read_us = min(read)
            for label, args in CASES:
                costs, failed, exchanges = [], 0, set()
                for _ in range(a.rounds):
                    before = busy_us()
                    made = handshake(https_port, args)
                    exchanges.add(made or "-")
                    # The box answers the handshake's last flight before it frees the
                    # session: let it finish before reading again.
                    time.sleep(0.5)
                    after = busy_us()
                    if made:
                        costs.append((after - before - read_us) * 1000)
                    else:
                        failed += 1
                    time.sleep(0.5)
                if costs:
                    med = statistics.median(costs)
                    rows.append([label, ", ".join(sorted(exchanges)), f"{min(costs) / 1e6:.1f}-{max(costs) / 1e6:.1f} M",
                                 f"{med / 1e6:.1f} M", f"{med / (MHZ * 1000):.0f}", str(failed)])
                else:
                    rows.append([label, "-", "-", "-", "-", str(failed)])
    print("| the client asked for | key exchange made | instructions per handshake (least-most) | median "
          "| ms at 168 MHz (median) | handshakes that failed |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nThe box's own P-256 identity; {a.rounds} full handshakes per row by `openssl s_client -no_ticket`; one "
          f"read of /api/diagnostics ({read_us * 1000:,} instructions: the least of three back-to-back pairs, "
          f"busy_us {read}) taken off each. "
          "busy_us x 1000 is the instruction count under -icount shift=0; 168 MHz at one instruction a clock is a "
          "lower bound on time.")
    return 0 if all(r[-1] == "0" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
