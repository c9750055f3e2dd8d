#!/usr/bin/env python3
"""Scale of tcp checks: wall time of one full cycle and peak RSS of probebox-sim --once
for 10, 100 and 1000 (or given) checks against listeners on 127.0.0.1.

The checks come from an appliance profile whose nodes all sit at 10.0.2.2 with the
four mesh ports, so even 1000 checks stay a small config (the spec caps it at 64 KiB).
Usage: tests/bench/tcp_scale.py [--sim PATH] [--rounds N] [COUNTS...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
sys.path.insert(0, os.path.dirname(__file__))
from sim_figures import sim_figures  # noqa: E402
from simtest import Listener  # noqa: E402


def run(sim, doc):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
        path = f.name
    try:
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            began = time.monotonic()
            proc = subprocess.Popen([sim, "--config", path, "--once"], stdout=out, stderr=err)
            code = proc.wait()
            wall = time.monotonic() - began
            out.seek(0)
            err.seek(0)
            return code, out.read(), err.read(), wall
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                  "build", "sim-release", "host-sim", "probebox-sim"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("counts", nargs="*", type=int, default=[10, 100, 1000])
    args = ap.parse_args()

    listeners = [Listener(max_s=3600) for _ in range(4)]
    ports = [l.port for l in listeners]
    print(f"{'checks':>7} {'cycle ms (median)':>18} {'min-max':>15} {'process wall s':>15} "
          f"{'peak RSS MiB':>13} {'max in flight':>14}")
    try:
        for count in args.counts:
            # Five tcp checks per node: the four mesh ports, and the node's testall
            # check overridden by a tcp check (the bench measures tcp probes only).
            nodes = ["10.0.2.2"] * ((count + 4) // 5)
            doc = {"schema": 1, "defaults": {"timeout_ms": 5000},
                   "appliance": {"name": "b", "nodes": nodes, "ports": {"mesh": ports}}}
            doc["checks"] = [{"id": f"b.node{i + 1}.testall", "type": "tcp", "host": "10.0.2.2",
                              "port": ports[0]} for i in range(len(nodes))]
            cycles, walls, rss, in_flight = [], [], [], 0
            for _ in range(args.rounds):
                code, out, err, wall = run(args.sim, doc)
                figures = sim_figures(err)
                if code != 0 or not figures:
                    print(f"run failed (exit {code}): {err.strip()[-400:]}", file=sys.stderr)
                    return 1
                cycles.append(figures["wall_ms"])
                in_flight = max(in_flight, figures["max_in_flight"])
                walls.append(wall)
                # The simulator's own VmHWM: wait4's ru_maxrss is carried across exec on
                # Linux, so it would report this Python process as the floor of the child's peak.
                rss.append(figures["peak_rss_kib"] / 1024)
            total = figures["checks"]
            print(f"{total:>7} {statistics.median(cycles):>18.1f} {min(cycles):>7.1f}-{max(cycles):<7.1f} "
                  f"{statistics.median(walls):>15.2f} {max(rss):>13.1f} {in_flight:>14}")
    finally:
        for l in listeners:
            l.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
