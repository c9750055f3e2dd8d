#!/usr/bin/env python3
"""Cost of one tls_cert probe (stopped early, and with a full handshake) and of one
smtp probe with STARTTLS: instructions (callgrind: repeatable), CPU time, peak
mbedTLS arena, and how many such probes fit in flight in the target's arena.

Each figure is the run with the probe minus a baseline run with one tcp check, so
the simulator's start-up (DHCP, RNG seeding, config) is not counted.
Usage: tests/bench/tls_cost.py [--sim PATH] [--rounds N]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
import lab as lab_module  # noqa: E402

TARGET_ARENA = 40 * 1024  # the client reservation per TLS session on mps2-an386 (PROBEBOX_TLS_CLIENT_SESSION_BYTES)
BLACKBOX_CPU_MS = 2.1       # blackbox_exporter per TLS probe on these machines (issue 4)


def write(doc):
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return path


def run(sim, doc, flash):
    path = write(doc)
    try:
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen([sim, "--config", path, "--once", "--flash", flash], stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            err.seek(0)
            text = err.read()
            out.seek(0)
            result = json.loads(out.read() or "null")
        return usage.ru_utime + usage.ru_stime, text, result
    finally:
        os.unlink(path)


def callgrind(sim, doc, flash):
    path = write(doc)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            outfile = os.path.join(tmp, "cg.out")
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}", sim, "--config", path,
                            "--once", "--flash", flash], capture_output=True, timeout=600)
            with open(outfile) as f:
                for line in f:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        return int(line.split()[1])
    finally:
        os.unlink(path)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", default=os.path.join(HERE, "..", "..", "build", "sim-release", "host-sim", "probebox-sim"))
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, lab_module.Lab(tmp, max_seconds=1200) as lab:
        tls, smtp = lab.ports["tls"], lab.ports["smtp"]
        flash = os.path.join(tmp, "flash.bin")
        cert = {"id": "cert", "type": "tls_cert", "host": "10.0.2.2", "port": tls["scenarios"]["good"]["port"],
                "server_name": "manage.lab.test", "names": ["manage.lab.test"]}
        cases = {
            "baseline (one tcp check)": {"id": "tcp", "type": "tcp", "host": "10.0.2.2", "port": lab.ports["mesh"][0]},
            "tls_cert, stopped early": cert,
            "tls_cert, full handshake": dict(cert, full_handshake=True),
            "smtp with STARTTLS + AUTH": {"id": "smtp", "type": "smtp", "host": "10.0.2.2",
                                         "port": smtp["ok"]["port"], "server_name": "relay.lab.test",
                                         "username": "probe", "password": "secret"},
        }
        rows = {}
        for label, check in cases.items():
            doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 5000},
                   "checks": [check]}
            cpu, peak = [], 0
            for _ in range(a.rounds):
                seconds, err, result = run(a.sim, doc, flash)
                status = result["checks"][0]["status"] if result else "?"
                if status not in ("ok",):
                    print(f"{label}: probe said {status}: {err[-300:]}", file=sys.stderr)
                cpu.append(seconds)
                m = re.search(r"tls_client_high_water=(\d+)", err)
                peak = max(peak, int(m.group(1)) if m else 0)
            rows[label] = (statistics.median(cpu), min(cpu), max(cpu), peak, callgrind(a.sim, doc, flash))
    base = rows["baseline (one tcp check)"]
    print(f"{'probe':<28} {'CPU ms (median, net)':>21} {'min-max ms':>13} {'instructions (net)':>19} "
          f"{'peak arena KiB':>15} {'fit in 40 KiB':>15}")
    for label, (med, lo, hi, peak, ir) in rows.items():
        if label.startswith("baseline"):
            print(f"{label:<28} {med * 1000:>21.2f} {lo * 1000:>6.1f}-{hi * 1000:<6.1f} {ir or 0:>19,} {'-':>15} {'-':>15}")
            continue
        net_ms = (med - base[0]) * 1000
        net_ir = (ir - base[4]) if ir and base[4] else 0
        fit = TARGET_ARENA // peak if peak else 0
        print(f"{label:<28} {net_ms:>21.2f} {(lo - base[0]) * 1000:>6.1f}-{(hi - base[0]) * 1000:<6.1f} "
              f"{net_ir:>19,} {peak / 1024:>15.1f} {fit:>15}")
    print(f"reference: Prometheus blackbox_exporter spends about {BLACKBOX_CPU_MS} ms of CPU per TLS probe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
