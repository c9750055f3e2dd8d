#!/usr/bin/env python3
"""Cost of the TLS and SMTP probes: instructions (callgrind: repeatable), CPU time,
peak mbedTLS arena, and how many such probes fit in flight in the target's arena —
for a tls_cert probe stopped early (TLS 1.2), with a full handshake, against a server
that accepts only TLS 1.3, a repeated chain (a verified-chain cache hit), and an smtp
probe with STARTTLS, first and resumed, in TLS 1.2 and against a TLS 1.3-only relay, and an http probe of /testall over HTTPS,
first and resumed — each beside today's figures.

Each figure of a first probe is the run with the probe minus a baseline run with one
tcp check (so the simulator's start-up — DHCP, RNG seeding, config — is not counted).
A repeated probe (the cache hit, the resumed smtp) is measured as a pair of runs of
two checks each, the second check reaching its server through a forwarder that holds
its connection a few seconds (a --once cycle starts every check at once; held, the
second starts after the first has finished): in one run the second check repeats the
first (same chain, same relay host:port), in the other it does not (another chain of
the same shape; the relay on another port). Its cost is the first probe's minus what
the repeat saved (the difference of the pair): the held seconds and everything else
are the same in both runs.

Usage: tests/bench/tls_cost.py [--sim PATH] [--rounds N] [--quick]
  --quick: one plain run per case, no callgrind (checks the cases still do what their
           rows say: ok, chain_cached, tls_resumed); for a test, seconds not minutes.
"""
import argparse
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
import lab as lab_module  # noqa: E402
from chain_server import ChainServer, Listener  # noqa: E402

TARGET_ARENA = 62 * 1024  # the client reservation per TLS session on mps2-an386 (PROBEBOX_TLS_CLIENT_SESSION_BYTES)
BLACKBOX_CPU_MS = 2.1       # blackbox_exporter per TLS probe on these machines (issue 4)
HOLD_S = 6.0                # how long the forwarder holds the second smtp connection

# Today's figures, beside each row: the (17), platform-facts §7 and the table
# docs/performance.md had before this bench measured the cache and resumption.
TODAY = {
    "tls_cert, TLS 1.2 stopped early": "2.6 M (issue 17); 2,553,369 (previous table)",
    "tls_cert, TLS 1.2 full handshake": "18,735,270 (previous table)",
    "tls_cert, TLS 1.3-only server": "14 M (platform-facts §7: 14.15 M, 1.3 alone)",
    "tls_cert, repeated chain (cache hit)": "2.6 M: no cache (every chain verified)",
    "smtp, STARTTLS + AUTH (first)": "18,797,458 (previous table)",
    "smtp, second connection resumed": "18,797,458: no resumption (previous table)",
    "smtp, TLS 1.3-only relay (first)": "critical: STARTTLS offered TLS 1.2 only (before d10da84)",
    "smtp, TLS 1.3 relay resumed": "critical: no TLS 1.3 at all (before d10da84)",
    "http /testall over HTTPS (first)": "19,378,661 (before issue 20 item 4: every request a full handshake)",
    "http /testall over HTTPS, resumed": "19,378,661: no resumption (before issue 20 item 4)",
}


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
    """callgrind of a --once run: total Ir."""
    return callgrind_split(sim, doc, flash)[0]


def callgrind_split(sim, doc, flash):
    """callgrind of a --once run: (total Ir, mbedTLS's self Ir)."""
    import peers
    path = write(doc)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            outfile = os.path.join(tmp, "cg.out")
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}", sim, "--config", path,
                            "--once", "--flash", flash], capture_output=True, timeout=900)
            total, self_ir = peers.read_callgrind(outfile)
            mbed = sum(ir for (obj, fl, _), ir in self_ir.items() if peers.owner_of(fl, obj).startswith("mbedTLS"))
            return total, mbed
    finally:
        os.unlink(path)


def resumed_requests(sim, doc, tmp, requests=6):
    """The running simulator (server mode, one https http check every 2 s) under
    callgrind: counters zeroed once its first request (a full handshake) has left a
    session to resume, dumped after `requests` more. Returns (mbedTLS's self Ir per
    request, requests in the window, sessions resumed in it): a --once cycle starts
    every check at once, so a resumed request needs a second cycle."""
    import peers
    from simtest import http_get as get
    doc = dict(doc, defaults={"interval_s": 2, "timeout_ms": 2000})
    path = os.path.join(tmp, "resume-config.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    out = os.path.join(tmp, "resume.cg")
    proc = peers.start_sim(sim, path, tmp, "resume", wrapper=("valgrind", "--tool=callgrind",
                                                               f"--callgrind-out-file={out}"))

    def sessions():
        try:
            d = json.loads(get(proc.bench_port, "/api/diagnostics", timeout=10)[2])
            return d["tls_sessions"], d["probes_run"]
        except (OSError, ValueError, KeyError):
            return None, None
    try:
        if not peers.sim_ready(proc, 1, 300):
            raise RuntimeError("resumed: the simulator did not finish its first request within 300 s")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (sessions()[0] or {}).get("held", 0) < 1:
            time.sleep(0.5)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, timeout=60, check=True)
        first, run0 = sessions()
        deadline = time.monotonic() + 40 * requests
        while time.monotonic() < deadline and (sessions()[1] or 0) < run0 + requests:
            time.sleep(0.5)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, timeout=60, check=True)
        last, run1 = sessions()
    finally:
        peers.stop_proc(proc)
    dumps = sorted(p for p in os.listdir(tmp) if p.startswith("resume.cg."))
    _, self_ir = peers.read_callgrind(os.path.join(tmp, dumps[0]))
    mbed = sum(ir for (obj, fl, _), ir in self_ir.items() if peers.owner_of(fl, obj).startswith("mbedTLS"))
    n = run1 - run0
    return mbed / max(1, n), n, last["resumed"] - first["resumed"]


class HoldingForwarder(Listener):
    """127.0.0.1:port -> target; the first connection of a run at once (unless
    `hold_all`), every later one after HOLD_S (reset() before each run); with
    `hold_only` N, the Nth alone is held."""

    def __init__(self, target_port, hold_all=False, hold_only=None):
        super().__init__()
        self.target, self.hold_all, self.hold_only = target_port, hold_all, hold_only
        self.count = 0
        self.start()

    def reset(self):
        self.count = 0

    def accepted(self, conn):
        self.count += 1
        if self.hold_only is not None:
            hold = HOLD_S if self.count == self.hold_only else 0
        else:
            hold = HOLD_S if self.hold_all or self.count > 1 else 0
        threading.Thread(target=self.one, args=(conn, hold), daemon=True).start()

    def one(self, conn, hold):
        time.sleep(hold)
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
        except OSError:
            conn.close()
            return

        def pump(a, b):
            try:
                while True:
                    data = a.recv(16384)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        t = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
        t.start()
        pump(conn, upstream)
        t.join(30)
        conn.close()
        upstream.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", default=os.path.join(HERE, "..", "..", "build", "sim-release", "host-sim", "probebox-sim"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    rounds = 1 if a.quick else a.rounds
    problems = []
    with tempfile.TemporaryDirectory() as tmp, lab_module.Lab(tmp, max_seconds=1800) as lab:
        tls, smtp = lab.ports["tls"], lab.ports["smtp"]
        flash = os.path.join(tmp, "flash.bin")
        tls13 = ChainServer(os.path.join(tmp, "pki"), "good", minimum=ssl.TLSVersion.TLSv1_3)
        scen = tls["scenarios"]
        relay_first = HoldingForwarder(smtp["ok"]["port"])                # the second connection held
        relay_other = HoldingForwarder(smtp["ok"]["port"], hold_all=True)  # the relay on another port, held
        # The pair's first tls_cert check goes straight to its server (its legacy look
        # too, so its connections are over before the second starts), the second held.
        good_held = HoldingForwarder(scen["good"]["port"], hold_all=True)
        warn_held = HoldingForwarder(scen["warn"]["port"], hold_all=True)  # another chain of the same shape
        # A TLS 1.3-only relay: the first check's refused 1.2 hello, then its 1.3 retry
        # (the third connection, at once), the second check (the second connection) held.
        relay13_first = HoldingForwarder(smtp["tls13-only"]["port"], hold_only=2)
        relay13_other = HoldingForwarder(smtp["tls13-only"]["port"], hold_all=True)
        forwarders = (relay_first, relay_other, good_held, warn_held, relay13_first, relay13_other)
        cert = {"id": "cert", "type": "tls_cert", "host": "10.0.2.2", "port": scen["good"]["port"],
                "server_name": "manage.lab.test", "names": ["manage.lab.test"]}
        mail = {"id": "smtp", "type": "smtp", "host": "10.0.2.2", "port": smtp["ok"]["port"],
                "server_name": "relay.lab.test", "username": "probe", "password": "secret"}
        mail13 = dict(mail, port=smtp["tls13-only"]["port"])
        # The appliance's /testall over HTTPS: Host and SNI the dashboard's name.
        web = {"id": "web", "type": "http", "url": f"https://10.0.2.2:{scen['good']['port']}/testall",
               "host_header": "manage.lab.test"}
        tcp = {"id": "tcp", "type": "tcp", "host": "10.0.2.2", "port": lab.ports["mesh"][0]}
        via = lambda check, fwd, **kw: dict(check, port=fwd.port, **kw)
        # label: (checks, what its result must show: (check id, key, value))
        cases = {
            "baseline (one tcp check)": ([tcp], None),
            "tls_cert, TLS 1.2 stopped early": ([cert], ("cert", "tls_version", "1.2")),
            "tls_cert, TLS 1.2 full handshake": ([dict(cert, full_handshake=True)], None),
            "tls_cert, TLS 1.3-only server": ([dict(cert, port=tls13.port)], ("cert", "tls_version", "1.3")),
            "pair: same chain again": ([cert, via(cert, good_held, id="cert2")], ("cert2", "chain_cached", True)),
            "pair: another chain": ([cert, via(cert, warn_held, id="cert2")], ("cert2", "chain_cached", False)),
            "smtp, STARTTLS + AUTH (first)": ([mail], ("smtp", "tls_resumed", False)),
            "pair: same relay again": ([via(mail, relay_first), via(mail, relay_first, id="smtp2")],
                                       ("smtp2", "tls_resumed", True)),
            "pair: the relay on another port": ([via(mail, relay_first), via(mail, relay_other, id="smtp2")],
                                                ("smtp2", "tls_resumed", False)),
            "smtp, TLS 1.3-only relay (first)": ([mail13], ("smtp", "tls_version", "1.3")),
            "pair: same 1.3 relay again": ([via(mail13, relay13_first), via(mail13, relay13_first, id="smtp2")],
                                           ("smtp2", "tls_resumed", True)),
            "pair: the 1.3 relay on another port": ([via(mail13, relay13_first), via(mail13, relay13_other, id="smtp2")],
                                                    ("smtp2", "tls_resumed", False)),
            "http /testall over HTTPS (first)": ([web], ("resumed", 0)),
        }
        ok_anyway = {"pair: another chain": ("cert2", "warning")}  # the warn scenario: 20 days left
        rows, mbed = {}, {}
        for label, (checks, expect) in cases.items():
            doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 20000},
                   "checks": checks}
            cpu, peak = [], 0
            for _ in range(rounds):
                for f in forwarders:
                    f.reset()
                seconds, err, result = run(a.sim, doc, flash)
                for c in (result or {}).get("checks", []):
                    if c["status"] != "ok" and ok_anyway.get(label) != (c["id"], c["status"]):
                        problems.append(f"{label}: {c['id']} said {c['status']}: {c['summary']}")
                m = re.search(r"tls_sessions_resumed=(\d+)", err)
                if expect and len(expect) == 2:
                    # http: the figures line counts the sessions the http probes resumed.
                    if not m or int(m.group(1)) != expect[1]:
                        problems.append(f"{label}: {m.group(1) if m else 'no'} sessions resumed, not {expect[1]}")
                elif expect and result:
                    cid, key, want = expect
                    seen = {c["id"]: c["details"].get(key) for c in result["checks"]}
                    if seen.get(cid) != want:
                        problems.append(f"{label}: {cid} has {key}={seen.get(cid)!r}, not {want!r}")
                if not result:
                    problems.append(f"{label}: no result: {err[-300:]}")
                cpu.append(seconds)
                m = re.search(r"tls_client_high_water=(\d+)", err)
                peak = max(peak, int(m.group(1)) if m else 0)
            for f in forwarders:
                f.reset()
            if a.quick:
                ir = None
            elif label in ("baseline (one tcp check)", "http /testall over HTTPS (first)"):
                ir, mbed[label] = callgrind_split(a.sim, doc, flash)
            else:
                ir = callgrind(a.sim, doc, flash)
            rows[label] = (statistics.median(cpu), peak, ir)
        if not a.quick:
            web_doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "checks": [web]}
            resumed = resumed_requests(a.sim, web_doc, tmp)
            if resumed[1] < 1 or resumed[2] != resumed[1]:
                problems.append(f"http resumed: {resumed[2]} of {resumed[1]} requests resumed")
        tls13.close()
        for f in forwarders:
            f.close()
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    if a.quick:
        print(f"tls_cost --quick: {len(cases)} cases, {len(problems)} problems")
        return 1 if problems else 0
    base = rows["baseline (one tcp check)"]
    table = []  # (label, net ms, net instructions, peak)
    for label in ("tls_cert, TLS 1.2 stopped early", "tls_cert, TLS 1.2 full handshake",
                  "tls_cert, TLS 1.3-only server", "smtp, STARTTLS + AUTH (first)",
                  "smtp, TLS 1.3-only relay (first)", "http /testall over HTTPS (first)"):
        med, peak, ir = rows[label]
        table.append((label, (med - base[0]) * 1000, (ir - base[2]) if ir and base[2] else 0, peak))
    for label, first, same, other in (
            ("tls_cert, repeated chain (cache hit)", "tls_cert, TLS 1.2 stopped early", "pair: same chain again",
             "pair: another chain"),
            ("smtp, second connection resumed", "smtp, STARTTLS + AUTH (first)", "pair: same relay again",
             "pair: the relay on another port"),
            ("smtp, TLS 1.3 relay resumed", "smtp, TLS 1.3-only relay (first)", "pair: same 1.3 relay again",
             "pair: the 1.3 relay on another port")):
        f, s_, o = rows[first], rows[same], rows[other]
        # CPU time across runs that sleep HOLD_S is mostly the wake-ups' noise: no figure.
        ir = (f[2] - base[2] - (o[2] - s_[2])) if f[2] and base[2] and s_[2] and o[2] else 0
        at = 3 if label.startswith("tls") else [row[0] for row in table].index(first) + 1
        table.insert(at, (label, None, ir, s_[1]))
    print(f"{'probe':<38} {'CPU ms (net)':>12} {'instructions (net)':>19} {'peak arena KiB':>15} "
          f"{f'fit in {TARGET_ARENA // 1024} KiB':>15}  today's figures")
    print(f"{'baseline (one tcp check, total)':<38} {base[0] * 1000:>12.2f} {base[2] or 0:>19,} {'-':>15} {'-':>15}")
    for label, ms, ir, peak in table:
        fit = TARGET_ARENA // peak if peak else 0
        cpu = f"{ms:>12.2f}" if ms is not None else f"{'-':>12}"
        two = label.startswith("tls_cert, repeated")  # both sessions overlap in that run (see below)
        arena = f"{peak / 1024:.1f}" + ("*" if two else "")
        fits = f"{fit}" + ("*" if two else "")
        print(f"{label:<38} {cpu} {ir:>19,} {arena:>15} {fits:>15}  {TODAY.get(label, '')}")
    # http resumed: a --once pair cannot show it (both requests start at once, and the
    # ClientHello goes out at connect): the first's net cost minus what resumption saved
    # in mbedTLS, measured per request in a running simulator.
    first_mbed = mbed["http /testall over HTTPS (first)"] - mbed["baseline (one tcp check)"]
    first_ir = rows["http /testall over HTTPS (first)"][2] - base[2]
    web_resumed = first_ir - (first_mbed - resumed[0])
    print(f"{'http /testall over HTTPS, resumed':<38} {'-':>12} {web_resumed:>19,.0f} {'-':>15} {'-':>15}  "
          f"{TODAY['http /testall over HTTPS, resumed']}")
    print(f"http: mbedTLS's own instructions per request: first {first_mbed:,}, resumed {resumed[0]:,.0f} "
          f"({resumed[2]} of {resumed[1]} requests resumed in a running simulator, one every 2 s);")
    print("  the resumed row is the first's net cost minus that saving (a --once cycle starts both requests")
    print("  of a pair at once, and the ClientHello, with or without the session, goes out at connect)")
    print("repeated rows: the first probe's cost minus what the repeat saved (a pair of two-check runs);")
    print("their arena peak is the whole run's: for smtp the second session starts after the first ended;")
    print("* for tls_cert the second's TLS session is set up (and its ClientHello sent) while the first")
    print("  runs, so the peak is two sessions'; a hit's own session is a miss's (the cache is static RAM)")
    print("no CPU ms for them: the runs sleep while the second connection is held, and that noise dominates")
    print("TLS 1.3-only server: the probe offers 1.2 first (refused: protocol_version), then 1.3;")
    print("TLS 1.3-only relay: the first dialogue's 1.2 hello is refused and it starts again in 1.3 (both")
    print("  in the row); a relay's later dialogues ask in 1.3 at once and resume its ticket (PSK + ECDHE)")
    print("every tls_cert row includes the check's first-cycle legacy look (two hand-built hellos, no crypto)")
    print(f"reference: Prometheus blackbox_exporter spends about {BLACKBOX_CPU_MS} ms of CPU per TLS probe")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
