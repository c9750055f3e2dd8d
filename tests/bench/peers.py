#!/usr/bin/env python3
"""probebox-sim against the tools operators already run: Prometheus' blackbox_exporter
and the monitoring-plugins (Nagios/Icinga), on the demo appliance profile, plus the
simulator's own memory, detection latency, scale, instruction counts and the Cortex-M
target's figures. Run by scripts/bench, which installs the peers and builds first.

Every server binds 127.0.0.1; the simulator reaches them as 10.0.2.2 through libslirp.
With --net tap (a network namespace of its own, tests/bench/tap_lab.py) they bind the
TAP's host side, 192.0.2.1, which the simulator reaches through its TAP device and the
peers through loopback. Every loop is bounded in count and in time.

Usage: tests/bench/peers.py [--rounds N] [--only cost,steady,floor,latency,scale,callgrind,target]
       tests/bench/peers.py --only ab --ab base=BINARY,change=BINARY [--ab-windows 4]
       unshare -n tests/bench/peers.py --net tap --only ab --ab base=BINARY,change=BINARY
"""
import argparse
import concurrent.futures
import gzip
import http.client
import json
import math
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))
sys.path.insert(0, HERE)
import lab as lab_module  # noqa: E402
import lab_address  # noqa: E402
import floor as floor_module  # noqa: E402
import kernel_profile  # noqa: E402
import netlab_bench  # noqa: E402
import peer_configs  # noqa: E402
import tap_lab  # noqa: E402
from sim_figures import longest_step, sim_figures  # noqa: E402
from simtest import FIRST_BOOT, SESSIONS, Listener, boot_secrets, http_get, wakeups as proc_wakeups  # noqa: E402

# The optimised simulator (valgrind cannot run the ASan build) and the image; the smoke
# test (tests/system/test_bench_smoke.py) passes the image its build made.
SIM = os.environ.get("PROBEBOX_BENCH_SIM") or os.path.join(REPO, "build", "sim-release", "host-sim", "probebox-sim")
SIM_TARGET_LIMITS = os.path.join(REPO, "build", "bench-target-limits", "host-sim", "probebox-sim")
IMAGE = os.environ.get("PROBEBOX_IMAGE") or os.path.join(REPO, "build", "mps2-an386", "board", "mps2-an386",
                                                          "probebox-mps2-an386.elf")
EXPORTER = "/usr/bin/prometheus-blackbox-exporter"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# --net tap and netlab: the local port that reaches each TAP box's web UI (set by main).
TAP_UI_PORTS = {}
# --net netlab: what puts a simulator in the lab's switch namespace, where its TAPs are.
SIM_WRAPPER = []
# --net netlab through libslirp: the lab networks its boxes may reach (netlab_bench.py).
SIM_ARGS = []


# --- small helpers -------------------------------------------------------------------------
def say(*a):
    print(*a, flush=True)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def span(xs, fmt="{:.1f}"):
    return f"{fmt.format(min(xs))}-{fmt.format(max(xs))}" if xs else "-"


def table(headers, rows):
    """A Markdown table (pasted into docs/performance.md as is)."""
    cells = [[str(c) for c in r] for r in rows]
    say("| " + " | ".join(headers) + " |")
    say("|" + "|".join("---" for _ in headers) + "|")
    for r in cells:
        say("| " + " | ".join(r) + " |")
    say("")


def free_port_block(size, first=30000, last=45000, step=97):
    """A base port with `size` free TCP and UDP ports above it on 127.0.0.1 (bounded scan)."""
    for base in range(first, last, step):
        ok = True
        for port in range(base, base + size):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    try:
                        s.bind(("127.0.0.1", port))
                    except OSError:
                        ok = False
                        break
            if not ok:
                break
        if ok:
            return base
    raise RuntimeError("no free block of ports on 127.0.0.1")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def proc_user_sys_s(pid):
    """(user, system) CPU seconds of a live process from /proc ticks: the split between
    its own code and the kernel's work on its behalf (syscalls, and on loopback the
    receiving side's TCP/IP, which runs in the sender's context)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def proc_cpu_s(pid):
    """utime+stime of a live process (all its threads, past and present), in seconds."""
    return sum(proc_user_sys_s(pid))


def proc_run_s(pid):
    """CPU time of a live process from the scheduler's own account (ns resolution,
    /proc/<pid>/task/*/schedstat), for the simulator: one cycle of it costs a few
    /proc/stat ticks, so a short window measured in ticks can round it to nothing.
    Only live threads are counted; the simulator has one. Falls back to ticks."""
    total, seen = 0, False
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
                seen = True
    except (OSError, ValueError, IndexError):
        seen = False
    return total / 1e9 if seen else proc_cpu_s(pid)


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def smaps(pid):
    """The mappings of a live process (/proc/<pid>/smaps): range, permissions, offset,
    path ("" when anonymous) and resident KiB of each."""
    maps, current = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                current = {"lo": lo, "hi": hi, "perm": head[1], "off": int(head[2], 16),
                           "path": head[5] if len(head) > 5 else "", "rss": 0}
                maps.append(current)
            elif head and head[0] == "Rss:" and current is not None:
                current["rss"] = int(head[1])
    return maps


def run_process(argv, timeout, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
    """Runs one process; returns (exit code, CPU s incl. waited-for children, wall s)."""
    began = time.monotonic()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.STDOUT if stdout != subprocess.DEVNULL
                            else subprocess.DEVNULL, stdin=stdin)
    status, usage = wait_with_rusage(proc, timeout)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime, time.monotonic() - began


def wait_with_rusage(proc, timeout):
    """Waits for proc (killed after timeout s); returns (wait status, rusage)."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    return status, usage


class Sim:
    """probebox-sim --once: CPU from wait4's rusage, the figures line from stderr."""

    def __init__(self, binary, tmp, net_args=()):
        self.binary, self.tmp, self.net_args = binary, tmp, list(net_args)
        self.flash = os.path.join(tmp, f"flash-{os.getpid()}-{id(self)}.bin")

    def once(self, config_path, timeout=120):
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            began = time.monotonic()
            proc = subprocess.Popen([*SIM_WRAPPER, self.binary, "--config", config_path, "--once", "--flash",
                                     self.flash, *self.net_args, *SIM_ARGS],
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            status, usage = wait_with_rusage(proc, timeout)
            wall = time.monotonic() - began
            out.seek(0)
            err.seek(0)
            text = out.read()
            figures = sim_figures(err.read())
        doc = json.loads(text) if text.strip() else None
        # Peak RSS is the simulator's own VmHWM: wait4's ru_maxrss is carried across exec
        # on Linux, so it would report this 20+ MiB Python process as every child's floor.
        return {"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime, "wall": wall,
                "rss_kib": figures.get("peak_rss_kib"), "doc": doc, "cycle_ms": figures.get("wall_ms"),
                "checks": figures.get("checks"), "in_flight": figures.get("max_in_flight")}


class Exporter:
    """blackbox_exporter on 127.0.0.1, our child; its CPU from /proc/<pid>/stat."""

    def __init__(self, config_path, tmp):
        self.port = free_port()
        self._kept = threading.local()
        self.log = open(os.path.join(tmp, "blackbox.log"), "w")
        self.proc = subprocess.Popen([EXPORTER, f"--config.file={config_path}",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/healthy", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("blackbox_exporter did not start: see " + self.log.name)

    def probe(self, module, target, timeout=10):
        """One scrape as Prometheus makes it: on a connection kept from the scraper's
        previous scrape (one per thread, as Prometheus keeps one per target), with the
        answer gzip-compressed. A new connection and an uncompressed answer per scrape
        (urllib's way) would charge the exporter for work Prometheus does not ask of it."""
        q = urllib.parse.urlencode({"module": module, "target": target})
        headers = {"Accept-Encoding": "gzip", "Accept": "text/plain;version=0.0.4",
                   "User-Agent": "probebox-bench (as Prometheus scrapes)"}
        for attempt in (1, 2):
            conn = getattr(self._kept, "conn", None)
            if conn is None:
                conn = self._kept.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                conn.request("GET", f"/probe?{q}", headers=headers)
                r = conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, OSError):
                # The exporter closed a kept connection (idle timeout): once more on a new one.
                conn.close()
                self._kept.conn = None
                if attempt == 2:
                    raise
        body = (gzip.decompress(raw) if r.getheader("Content-Encoding") == "gzip" else raw).decode()
        m = re.search(r"^probe_success (\S+)", body, re.M)
        return bool(m and float(m.group(1)) == 1.0)

    def cycle(self, probes, pool):
        """Every probe at once, as Prometheus scrapes them; returns (wall s, failures)."""
        began = time.monotonic()
        results = list(pool.map(lambda p: self.probe(p[0], p[1]) == p[2], probes))
        return time.monotonic() - began, [p for p, ok in zip(probes, results) if not ok]

    def cpu(self):
        return proc_cpu_s(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def plugins_cycle(commands, timeout=60):
    """One process per check, all at once; CPU from each child's wait4 rusage (which
    includes the processes it waited for: check_ssl_cert's openssl, grep, date ...)."""
    began = time.monotonic()
    procs = []
    for label, argv, expect in commands:
        procs.append((label, expect, argv, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                            stdin=subprocess.DEVNULL)))
    deadline = began + timeout
    done = {}
    while len(done) < len(procs):
        for _, _, _, proc in procs:
            if proc.pid in done:
                continue
            # wait4 with WNOHANG reaps and gives the rusage (Popen.poll would reap without it).
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                done[pid] = (os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)
            elif time.monotonic() > deadline:
                proc.kill()
        time.sleep(0.002)
    cpu, per_label, failures = 0.0, {}, []
    for label, expect, argv, proc in procs:
        code, seconds = done[proc.pid]
        proc.returncode = code
        output = proc.stdout.read().decode(errors="replace").strip()
        proc.stdout.close()
        cpu += seconds
        per_label.setdefault(label, []).append(seconds)
        if code != expect:
            failures.append(f"{label} exit {code}: {output[:120]}")
    return cpu, time.monotonic() - began, per_label, failures


# --- the phases ----------------------------------------------------------------------------
def cost(ctx, rounds, cycles):
    say(f"## Cost of one full appliance cycle ({len(ctx.checks)} checks of the demo profile + its SMTP relay)\n")
    say(f"Interleaved A B C D, {rounds} rounds; in each round the simulator and the exporter run "
        f"{cycles} cycles (CPU per cycle = the round's total / {cycles}), each monitoring-plugins variant one.\n")
    sim = Sim(SIM, ctx.tmp)
    sim_small = Sim(SIM_TARGET_LIMITS, ctx.tmp) if os.path.exists(SIM_TARGET_LIMITS) else None
    exporter = ctx.exporter
    probes = [p for p in peer_configs.blackbox_probes(ctx.checks) if p]
    variants = {"check_ssl_cert": peer_configs.plugin_commands(ctx.checks, ctx.root_pem, "check_ssl_cert"),
                "check_http -C": peer_configs.plugin_commands(ctx.checks, ctx.root_pem, "check_http")}
    # The plugins are installed by scripts/bench; the smoke mode (ctest) does without them.
    missing = sorted({argv[0] for cmds in variants.values() for _, argv, _ in cmds if not os.path.exists(argv[0])})
    if missing or ctx.smoke:
        say(f"(monitoring-plugins not run: {'smoke mode' if ctx.smoke else 'not installed: ' + ', '.join(missing)})\n")
        variants = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(probes))
    # One warm-up each (page cache, the exporter's first TLS config load).
    first = sim.once(ctx.config_path)
    bad = [c["id"] + ": " + c["summary"] for c in first["doc"]["checks"] if c["status"] != "ok"]
    if bad:
        say("WARNING: simulator checks not ok: " + "; ".join(bad))
    exporter.cycle(probes, pool)
    for cmds in variants.values():
        plugins_cycle(cmds)

    sims = {"sim": sim}
    if sim_small:
        sims["sim_small"] = sim_small
        sim_small.once(ctx.config_path)
    res = {k: {"cpu": [], "wall": []} for k in (*sims, "exporter", *variants)}
    per_plugin, failures = {}, {k: 0 for k in res}
    fail_notes = set()
    t_end = time.monotonic() + 900
    for r in range(rounds):
        if time.monotonic() > t_end:
            say(f"(time limit: stopped after {r} rounds)")
            break
        for key, runner in sims.items():
            cpu, walls = 0.0, []
            for _ in range(cycles):
                o = runner.once(ctx.config_path)
                cpu += o["cpu"]
                walls.append(o["wall"])
                notok = [c for c in (o["doc"] or {"checks": [None]})["checks"] if not c or c["status"] != "ok"]
                failures[key] += len(notok)
            res[key]["cpu"].append(cpu / cycles)
            res[key]["wall"].append(med(walls))

        before, walls = exporter.cpu(), []
        for _ in range(cycles):
            wall, failed = exporter.cycle(probes, pool)
            walls.append(wall)
            failures["exporter"] += len(failed)
            fail_notes.update(f"exporter: {m} {t}" for m, t, _ in failed)
        res["exporter"]["cpu"].append((exporter.cpu() - before) / cycles)
        res["exporter"]["wall"].append(med(walls))

        for name, cmds in variants.items():
            cpu, wall, per_label, failed = plugins_cycle(cmds)
            res[name]["cpu"].append(cpu)
            res[name]["wall"].append(wall)
            failures[name] += len(failed)
            fail_notes.update(f"{name}: {f}" for f in failed)
            for label, secs in per_label.items():
                per_plugin.setdefault((name, label), []).append(sum(secs))
    pool.shutdown()
    n_sim = len(ctx.checks)
    n_bb = len(probes)
    labels = {"sim": f"probebox-sim --once, sim-release ({n_sim} checks; includes process start, DHCP, config load)",
              "sim_small": "probebox-sim --once, built with the target's capacities (128 checks, 16 in flight)",
              "exporter": f"blackbox_exporter /probe ({n_bb} probes: no NTP prober)",
              "check_ssl_cert": f"monitoring-plugins, certs by check_ssl_cert ({len(variants.get('check_ssl_cert', []))} processes)",
              "check_http -C": f"monitoring-plugins, certs by check_http -C ({len(variants.get('check_http -C', []))} processes)"}
    sim_cpu = med(res["sim"]["cpu"])
    rows = []
    for k, v in res.items():
        c = med(v["cpu"])
        rows.append([labels[k], f"{c * 1000:.1f}", span([x * 1000 for x in v["cpu"]]),
                     f"{med(v['wall']) * 1000:.1f}", span([x * 1000 for x in v["wall"]]),
                     "1" if k == "sim" else f"{c / sim_cpu:.2f}" if sim_cpu else "-", failures[k]])
    table(["tool", "CPU ms / cycle (median)", "min-max", "wall ms / cycle (median)", "min-max",
           "CPU vs simulator", "results not as expected (all rounds)"], rows)
    for note in sorted(fail_notes)[:12]:
        say(f"- {note}")
    if fail_notes:
        say("")
    if per_plugin:
        say("CPU of each monitoring-plugins binary, summed over the processes of one cycle (median of rounds):\n")
        table(["variant", "plugin", "processes", "CPU ms (median)", "min-max"],
              [[v, label, sum(1 for c in variants[v] if c[0] == label), f"{med(x) * 1000:.1f}",
                span([y * 1000 for y in x])] for (v, label), x in sorted(per_plugin.items())])
    ctx.summary["cpu_sim"] = sim_cpu
    if "sim_small" in res:
        ctx.summary["cpu_sim_small"] = med(res["sim_small"]["cpu"])
    ctx.summary["cpu_exporter"] = med(res["exporter"]["cpu"])
    ctx.summary["exporter_unexpected"] = failures["exporter"]
    if variants:
        ctx.summary["cpu_plugins"] = med(res["check_ssl_cert"]["cpu"])
        ctx.summary["cpu_plugins_http"] = med(res["check_http -C"]["cpu"])
    if not ctx.smoke:
        exporter_by_module(ctx, probes)
    if variants:
        ssl_cert_outcomes(ctx)


def exporter_by_module(ctx, probes, per_kind=30):
    """The exporter's CPU by kind of probe: per_kind probes of one kind in a row."""
    kinds = {}
    for p in probes:
        kinds.setdefault(p[0].split("_")[0], p)
    rows = []
    for kind, (module, target, expect) in kinds.items():
        before = ctx.exporter.cpu()
        for _ in range(per_kind):
            ctx.exporter.probe(module, target)
        rows.append([kind, module, f"{(ctx.exporter.cpu() - before) / per_kind * 1000:.2f}"])
    say(f"blackbox_exporter CPU per probe by prober ({per_kind} probes in a row each, /proc ticks of "
        f"{1000 // CLK_TCK} ms):\n")
    table(["kind", "module", "CPU ms / probe"], rows)


def start_sim(binary, config, tmp, label, wrapper=(), tap=None):
    """A running simulator (server mode, panel off) on a free forwarded port; its console
    in a file, its first-boot password remembered so /api/diagnostics can be read. With
    tap (a device of tap_lab), the port is the one tap_lab forwards to that box's UI."""
    port = TAP_UI_PORTS[tap] if tap else free_port()
    # A TAP's port outlives its box: the next box on it starts fresh, with its own login.
    FIRST_BOOT.pop(port, None)
    SESSIONS.pop(port, None)
    flash = os.path.join(tmp, f"flash-{port}.bin")
    if os.path.exists(flash):
        os.unlink(flash)
    console = os.path.join(tmp, f"console-{port}.txt")
    err = open(console, "w")
    net = ["--net", f"tap:{tap}"] if tap else []
    proc = subprocess.Popen([*SIM_WRAPPER, *wrapper, binary, "--config", config,
                             "--flash", flash,
                             "--panel", "none", "--http-port", str(port), "--https-port", "0", *net, *SIM_ARGS],
                            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    err.close()
    proc.bench_port, proc.bench_console, proc.bench_label = port, console, label
    return proc


def sim_ready(proc, want_results, limit):
    """Waits (bounded) until the running simulator has a result for every check; True then."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if proc.bench_port not in FIRST_BOOT:
            with open(proc.bench_console, errors="replace") as f:
                for line in f:
                    if "first-boot password" in line:
                        FIRST_BOOT[proc.bench_port] = line.rsplit(":", 1)[1].strip()
        else:
            try:
                checks = json.loads(http_get(proc.bench_port, "/api/status", timeout=5)[2])["checks"]
                if len(checks) >= want_results and all(c["summary"] != "not run yet" for c in checks):
                    return True
            except (OSError, ValueError, KeyError, urllib.error.HTTPError):
                pass
        time.sleep(0.25)
    return False


def not_run(proc):
    """What a simulator that missed its first cycle shows: the checks still without a
    result, or its console's end when it does not answer."""
    try:
        checks = json.loads(http_get(proc.bench_port, "/api/status", timeout=5)[2])["checks"]
        return "not run yet: " + (", ".join(c["id"] for c in checks if c["summary"] == "not run yet") or "-")
    except (OSError, ValueError, KeyError, urllib.error.HTTPError) as e:
        with open(proc.bench_console, errors="replace") as f:
            return f"/api/status: {e!r}; its console:\n" + f.read()[-2000:]


def busy_us(proc):
    """The firmware's own busy time since start (/api/diagnostics: time outside the idle wait)."""
    try:
        return json.loads(http_get(proc.bench_port, "/api/diagnostics", timeout=5)[2])["cpu"]["busy_us"]
    except (OSError, ValueError, KeyError, urllib.error.HTTPError):
        return None


def stop_proc(proc):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def idle_config(ctx):
    """The steady config's loop with (almost) nothing to do: one tcp check, run once at
    start. Its CPU is what the marginal figures are taken above."""
    idle = dict(ctx.steady_config, defaults=dict(ctx.steady_config["defaults"], interval_s=600))
    idle.pop("appliance")
    idle["checks"] = [{"id": "tcp", "type": "tcp", "host": ctx.lab_host, "port": ctx.lab["mesh"][0]}]
    return idle


def steady(ctx, cycles, windows=1):
    """The running simulator's marginal CPU per cycle above its idle loop, and
    blackbox_exporter's CPU per cycle for the same checks, in the same windows (`windows`
    back to back, `cycles` intervals each); peak RSS. The figures are the windows'
    totals; each window's own ratio is printed too, since they vary from one to the next."""
    interval = ctx.steady_config["defaults"]["interval_s"]
    say(f"## Steady state, side by side: the running simulator and blackbox_exporter, {windows} x {cycles} "
        f"cycles of {interval} s\n")
    main_tap, idle_tap = ctx.taps or (None, None)
    main_label = "probebox-sim (sim-release)" + ctx.net_label
    runs = {main_label: (SIM, ctx.steady_config_path, main_tap)}
    # The build with the target's capacities beside the main one, against the bench's own
    # lab through libslirp only.
    if os.path.exists(SIM_TARGET_LIMITS) and not ctx.smoke and not ctx.taps and not ctx.netlab:
        runs["probebox-sim (built with the target's capacities: 128 checks)"] = (SIM_TARGET_LIMITS,
                                                                                ctx.steady_config_path, None)
    # The same loop with (almost) nothing to do: one tcp check, run once at start.
    idle_label = main_label + " idle loop: one check, interval 600 s"
    runs[idle_label] = (SIM, write_json(os.path.join(ctx.tmp, "idle.json"), ctx.idle_doc), idle_tap)
    # Every burst in its own part of the interval: the running simulators' cycles a slot
    # apart and the exporter's scrapes in the last slot (thirds with the two simulators,
    # halves on a TAP, where only the main one runs). Started together,
    # the two simulators ran their cycles in the same 200 ms on two cores, and each one's
    # CPU held the other's contention (the side-by-side phase staggers its builds so too).
    procs, rows = {}, []
    try:
        busy_labels = [label for label in runs if label != idle_label]
        slot = interval / (len(busy_labels) + 1)
        first_cycle_end = None
        for k, label in enumerate(busy_labels + [idle_label]):
            b, c, t = runs[label]
            if label != idle_label and first_cycle_end is not None:
                time.sleep(max(0.0, first_cycle_end + k * slot - boot_s - time.monotonic()))
            started = time.monotonic()
            procs[label] = p = start_sim(b, c, ctx.tmp, label, tap=t)
            if not sim_ready(p, 1 if label == idle_label else len(ctx.checks), 120):
                with open(p.bench_console, errors="replace") as f:
                    console = f.read()[-2000:]
                raise RuntimeError(f"{label}: no complete first cycle within 120 s "
                                   f"(exit {p.poll()}); its console:\n{console}")
            if first_cycle_end is None:
                # From start to the end of the first cycle: how far ahead to start the next.
                first_cycle_end = time.monotonic()
                boot_s = first_cycle_end - started
        probes = [p for p in peer_configs.blackbox_probes(ctx.checks) if p]
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(probes))
        exp_pid = ctx.exporter.proc.pid
        scrape_at = first_cycle_end + len(busy_labels) * slot
        scrape_at += interval * max(0, math.ceil((time.monotonic() - scrape_at) / interval))
        time.sleep(max(0.0, scrape_at - time.monotonic()))
        began = time.monotonic()
        cpu0 = {k: proc_run_s(p.pid) for k, p in procs.items()}
        busy0 = {k: busy_us(p) for k, p in procs.items()}
        split0 = {k: proc_user_sys_s(p.pid) for k, p in procs.items()}
        wake0 = {k: proc_wakeups(p.pid) for k, p in procs.items()}
        exp0, exp_fail = proc_cpu_s(exp_pid), 0
        exp_split0 = proc_user_sys_s(exp_pid)
        per_window = []
        for w in range(windows):
            w_cpu0 = {k: proc_run_s(p.pid) for k, p in procs.items()}
            w_exp0 = proc_cpu_s(exp_pid)
            w_began = began + w * cycles * interval
            for n in range(cycles):
                # The exporter scraped once per interval, as Prometheus would, in the same window.
                exp_fail += len(ctx.exporter.cycle(probes, pool)[1])
                time.sleep(max(0.0, w_began + (n + 1) * interval - time.monotonic()))
            w_cycles = (time.monotonic() - w_began) / interval
            w_marginal = ((proc_run_s(procs[main_label].pid) - w_cpu0[main_label])
                          - (proc_run_s(procs[idle_label].pid) - w_cpu0[idle_label])) / w_cycles
            w_exporter = (proc_cpu_s(exp_pid) - w_exp0) / cycles
            per_window.append((w_marginal, w_exporter))
        elapsed = time.monotonic() - began
        cpu = {k: proc_run_s(p.pid) - cpu0[k] for k, p in procs.items()}
        busy = {k: (busy_us(p) or 0) - (busy0[k] or 0) for k, p in procs.items()}
        split = {k: tuple(b - a for a, b in zip(split0[k], proc_user_sys_s(p.pid))) for k, p in procs.items()}
        wake = {k: proc_wakeups(p.pid) - wake0[k] for k, p in procs.items()}
        exp_cpu = proc_cpu_s(exp_pid) - exp0
        # A check that failed costs less than one that passed: the comparison holds only
        # when the box's checks, like the exporter's, went as expected.
        status = json.loads(http_get(procs[main_label].bench_port, "/api/status", timeout=5)[2])["checks"]
        not_ok = [f"{c['id']}: {c['summary']}" for c in status if c["status"] != "ok"]
        if not_ok:
            say(f"WARNING: {main_label}: checks not ok at the window's end: " + "; ".join(not_ok) + "\n")
        ctx.summary["steady_not_ok"] = len(not_ok) + exp_fail
        exp_split = tuple(b - a for a, b in zip(exp_split0, proc_user_sys_s(exp_pid)))
        pool.shutdown()
        n_cycles = elapsed / interval
        exp_hwm = proc_status_kib(exp_pid, "VmHWM")
        idle_cpu = cpu[idle_label]
        for label, p in procs.items():
            hwm = proc_status_kib(p.pid, "VmHWM")
            is_idle = label == idle_label
            marginal = None if is_idle else (cpu[label] - idle_cpu) / n_cycles
            rows.append([label, f"{cpu[label] * 1000 / n_cycles:.1f}",
                         "-" if is_idle else f"{marginal * 1000:.1f}",
                         f"{split[label][0] * 1000 / n_cycles:.1f}", f"{split[label][1] * 1000 / n_cycles:.1f}",
                         f"{wake[label] / n_cycles:.0f}",
                         f"{busy[label] / 1000 / n_cycles:.1f}", f"{hwm / 1024:.1f}"])
            if label == main_label:
                ctx.summary["cpu_steady_sim"], ctx.summary["rss_sim"] = marginal, hwm
                ctx.summary["cpu_steady_sim_whole"] = cpu[label] / n_cycles
                # The marginal split: the same idle loop is taken off each side.
                ctx.summary["steady_split_sim"] = tuple(
                    max(0.0, (split[label][i] - split[idle_label][i]) / n_cycles) for i in (0, 1))
                ctx.summary["steady_wakeups_sim"] = (wake[label] - wake[idle_label]) / n_cycles
                ctx.summary["busy_steady_sim"] = busy[label] / 1e6 / n_cycles
                ctx.summary["sim_pid"] = p.pid
                sim_map = rss_attribution(p.pid, SIM)
            elif not is_idle:
                ctx.summary["rss_sim_target"] = hwm
        scrapes = cycles * windows
        rows.append([f"blackbox_exporter, {scrapes} scrapes of all {len(probes)} probes in the window "
                     f"({exp_fail} not as expected)", f"{exp_cpu * 1000 / scrapes:.1f}", "-",
                     f"{exp_split[0] * 1000 / scrapes:.1f}", f"{exp_split[1] * 1000 / scrapes:.1f}", "-", "-",
                     f"{exp_hwm / 1024:.1f}"])
        ctx.summary["cpu_steady_exporter"] = exp_cpu / scrapes
        ctx.summary["steady_split_exporter"] = tuple(x / scrapes for x in exp_split)
        ctx.summary["steady_windows"] = per_window
        ctx.summary["steady_cycles_total"] = n_cycles
        ctx.summary["rss_exporter"] = exp_hwm
    finally:
        for p in procs.values():
            stop_proc(p)
    table(["process", "CPU ms per cycle (whole process, /proc)", "marginal CPU ms per cycle above the idle loop",
           "user ms per cycle", "kernel ms per cycle", "wake-ups per cycle",
           "firmware busy ms per cycle (/api/diagnostics busy_us)", "peak RSS MiB (VmHWM)"], rows)
    say(f"Window {elapsed:.1f} s = {n_cycles:.2f} intervals; the simulators' CPU from /proc/<pid>/task/*/schedstat "
        f"(ns), the exporter's from /proc ticks of {1000 // CLK_TCK} ms; the user/kernel split from ticks for "
        f"every process (±{1000 // CLK_TCK / n_cycles:.1f} ms per cycle); wake-ups are voluntary context switches. "
        f"The idle loop "
        f"costs {idle_cpu * 1000 / elapsed:.1f} ms of CPU per second. busy_us is the firmware's loop time outside "
        "the idle wait (wall time: on a loaded host it includes time the process waited for a core).\n")
    if windows > 1:
        ratios = sorted(e / m for m, e in per_window if m > 0)
        say(f"Window by window ({cycles} cycles each, back to back; the figures above are their totals):\n")
        table(["window", f"{main_label}: marginal ms per cycle", "blackbox_exporter: ms per cycle", "ratio"],
              [[str(i + 1), f"{m * 1000:.2f}", f"{e * 1000:.1f}", f"{e / m:.2f}" if m > 0 else "-"]
               for i, (m, e) in enumerate(per_window)])
        if ratios:
            say(f"Ratio from window to window: {ratios[0]:.2f} to {ratios[-1]:.2f}, median "
                f"{statistics.median(ratios):.2f}; over all {windows * cycles} cycles "
                f"{ctx.summary['cpu_steady_exporter'] / ctx.summary['cpu_steady_sim']:.2f} (the claim).\n")
    say("Where the simulator's peak memory goes (sim-release, /proc/<pid>/smaps resident KiB; the binary's "
        "writable image split by symbol with `nm -S`):\n")
    total = sum(sim_map.values())
    table(["part", "resident KiB", "share"], [[k, v, f"{100 * v / total:.1f} %"] for k, v in
                                              sorted(sim_map.items(), key=lambda kv: -kv[1])])
    ctx.summary["rss_breakdown"] = {k: 100 * v / total for k, v in sim_map.items()}


def side_by_side(ctx, binaries, cycles, windows):
    """Two or more simulator builds side by side against one lab, with an idle-loop box
    (its config as the steady phase's), in `windows` windows of `cycles` intervals. The
    builds start a fraction of an interval apart, so their cycles do not overlap, and
    in alternate order from one window to the next, so neither is always first. Each
    window gives each build's marginal CPU per cycle above the idle box's: a change is
    judged on its paired differences, since one window to the next moves the figures
    by more than most changes do (docs/performance.md)."""
    interval = ctx.steady_config["defaults"]["interval_s"]
    say(f"## Side by side: {', '.join(label for label, _ in binaries)}; {windows} window(s) of {cycles} "
        f"cycles of {interval} s\n")
    idle_path = write_json(os.path.join(ctx.tmp, "ab-idle.json"), ctx.idle_doc)
    # On TAPs each build has a device of its own, and a config naming its address.
    taps, configs = {None: ctx.taps[1] if ctx.taps else None}, {}
    for k, (label, _) in enumerate(binaries):
        configs[label] = ctx.steady_config_path
        if ctx.taps:
            dev = ("pbtap0", "pbtap2")[k]
            doc = dict(ctx.steady_config, network=tap_lab.network(dev, ctx.steady_config["network"]["dns"],
                                                                   ctx.steady_config["network"]["ntp"]))
            taps[label], configs[label] = dev, write_json(os.path.join(ctx.tmp, f"ab-{dev}.json"), doc)
    marginal = {label: [] for label, _ in binaries}
    rows = []
    for w in range(windows):
        order = binaries if w % 2 == 0 else list(reversed(binaries))
        procs = {}
        try:
            for label, binary in order:
                procs[label] = start_sim(binary, configs[label], ctx.tmp, label, tap=taps.get(label))
                time.sleep(interval / len(order))
            procs[None] = start_sim(order[0][1], idle_path, ctx.tmp, "idle", tap=taps[None])
            for label, p in procs.items():
                if not sim_ready(p, 1 if label is None else len(ctx.checks), 120):
                    raise RuntimeError(f"side by side: {label or 'the idle box'} had no complete first cycle "
                                       f"within 120 s (exit {p.poll()}); {not_run(p)}")
            began = time.monotonic()
            cpu0 = {k: proc_run_s(p.pid) for k, p in procs.items()}
            wake0 = {k: proc_wakeups(p.pid) for k, p in procs.items()}
            time.sleep(cycles * interval)
            n = (time.monotonic() - began) / interval
            cpu = {k: proc_run_s(p.pid) - cpu0[k] for k, p in procs.items()}
            wake = {k: proc_wakeups(p.pid) - wake0[k] for k, p in procs.items()}
            for label, _ in binaries:
                status = json.loads(http_get(procs[label].bench_port, "/api/status", timeout=5)[2])["checks"]
                not_ok = [c["id"] for c in status if c["status"] != "ok"]
                m = (cpu[label] - cpu[None]) / n
                marginal[label].append(m)
                rows.append([w + 1, label, f"{m * 1000:.2f}", f"{(wake[label] - wake[None]) / n:.1f}",
                             ", ".join(not_ok) or "-"])
        finally:
            for p in procs.values():
                stop_proc(p)
    table(["window", "build", "marginal CPU ms per cycle above the idle box", "wake-ups per cycle beyond it",
           "checks not ok at the end"], rows)
    first = binaries[0][0]
    for label, _ in binaries[1:]:
        diffs = [b - a for a, b in zip(marginal[first], marginal[label])]
        say(f"- {label} against {first}: {med(diffs) * 1000:+.2f} ms per cycle (median of {len(diffs)} paired "
            f"windows; {sum(d < 0 for d in diffs)} of {len(diffs)} lower)")
    say("")


def floor(ctx, cycles, interval_s):
    """The floor under any client's steady cycle: tests/bench/socket_floor.cpp, the box's
    sockets alone (tests/bench/floor.py says what it sends)."""
    binary = floor_module.default_binary(REPO)
    say(f"## The floor: one cycle's sockets and nothing else (`socket_floor`, {cycles} cycles of {interval_s} s)\n")
    if not os.path.exists(binary):
        say(f"(no {binary}: build the sim-release preset)\n")
        return
    f = floor_module.measure(binary, ctx.checks, cycles, interval_s * 1000)
    ctx.summary["floor"] = f
    rows = [[f"socket_floor: {f['jobs']} sockets a cycle, the box's groups of four back to back, only the bytes that make each "
             f"server answer, and {f['signatures']} RSA-2048 signature verifications", f"{f['cpu_ms']:.2f}",
             f"{f['user_ms']:.2f}", f"{f['sys_ms']:.2f}", f"{f['wakeups']:.0f}"],
            [f"of which the {f['signatures']} signature verifications (the box's mbedTLS build)",
             f"{f['signature_ms']:.2f}", "-", "-", "-"]]
    if "cpu_steady_exporter" in ctx.summary:
        goal = ctx.summary["cpu_steady_exporter"] * 1000 / 10
        rows.append(["the steady goal: 1/10 of blackbox_exporter's cycle in this run", f"{goal:.2f}", "-", "-", "-"])
    if "cpu_steady_sim" in ctx.summary:
        rows.append(["the running simulator's marginal cycle in this run", f"{ctx.summary['cpu_steady_sim'] * 1000:.2f}",
                     "-", "-", f"{ctx.summary.get('steady_wakeups_sim', float('nan')):.0f}"])
    wake_binary = floor_module.wake_cost_binary(REPO)
    wake = floor_module.wake_cost(wake_binary)
    ctx.summary["wake_cost_us"] = wake
    short, long_ = wake[min(wake)], wake[max(wake)]
    peer = floor_module.wake_cost_peer(wake_binary)
    ctx.summary["wake_peer_us"] = peer
    p_low, p_high = min(peer.values()), max(peer.values())
    priced = [("socket_floor", f["wakeups"])]
    if "steady_wakeups_sim" in ctx.summary:
        priced.append(("the running simulator, beyond its idle loop", ctx.summary["steady_wakeups_sim"]))
    for who, n in priced:
        rows.append([f"of which {who}: {n:.0f} wake-ups at the price of one ended by a server's answer "
                     f"({p_low:.0f}-{p_high:.0f} us)", f"{n * p_low / 1000:.2f}-{n * p_high / 1000:.2f}", "-", "-", "-"])
    table(["what", "CPU ms per cycle", "user ms", "kernel ms", "wake-ups per cycle"], rows)
    gaps = sorted(peer)
    say(f"A wake-up with no work (`wake_cost`, the CPU of the process) costs this machine {short:.1f} us after "
        f"{min(wake)} ms asleep on a timer and {long_:.1f} us after {max(wake)} ms (`wake_cost {min(wake)} "
        f"{max(wake)}`: epoll_wait with nothing watched), but {peer[gaps[0]]:.1f} us when another process's byte "
        f"ends the sleep every {gaps[0]} us and {peer[gaps[-1]]:.1f} us every {gaps[-1]} us (`wake_cost --peer`: "
        "epoll_wait on a socket a child process writes to). A cycle's wake-ups are of the second kind: a "
        "server's answer ends each wait, a fraction of a millisecond after the last. Every wake-up of the "
        "simulator, of socket_floor and of the exporter pays its price before any work.\n")
    say("socket_floor does less than the box and less than the exporter: a recorded TLS 1.2 ClientHello read up "
        "to ServerHelloDone and closed (no key exchange, no resumption; one RSA signature verified per tls_cert "
        "check, as both do), HTTP requests, SMTP EHLO and QUIT without STARTTLS, one DNS or NTP datagram each; "
        "the kernel closes its sockets without waking it. "
        "A client that makes these checks over ordinary sockets on this machine spends at least this much. CPU from "
        "CLOCK_PROCESS_CPUTIME_ID; the wake-ups (voluntary context switches) and the user/kernel split from getrusage, "
        f"whose split this kernel samples in ticks (about ±{10 / max(1, f['cycles']):.1f} ms per cycle here).\n")


def steady_tap(ctx, cycles, interval, windows=1):
    """The steady phase again with the lab reached through a TAP instead of libslirp, in a
    network namespace of its own with its own lab and exporter (peers.py --net tap): what
    is left when the simulator holds no host socket per connection."""
    say("## Steady state with the lab on a TAP (no libslirp): `peers.py --net tap --only steady` under "
        "`unshare -n`\n")
    path = os.path.join(ctx.tmp, "steady-tap.json")
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    cmd = [*unshare, sys.executable, os.path.abspath(__file__), "--net", "tap", "--only", "steady",
           "--steady-cycles", str(cycles), "--steady-windows", str(windows), "--summary-json", path]
    if interval:
        cmd += ["--interval", str(interval)]
    window = windows * cycles * (interval or ctx.steady_config["defaults"]["interval_s"])
    code = subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=600 + window).returncode
    if code != 0 or not os.path.exists(path):
        raise RuntimeError(f"steady-tap: peers.py --net tap failed (exit {code})")
    with open(path) as f:
        ctx.summary["tap"] = json.load(f)


def steady_netlab(ctx, cycles, interval, windows=1):
    """The steady phase against the network lab's real servers (tests/bench/netlab_bench.py),
    through libslirp and on a TAP: whether the ratio holds against the servers an
    appliance runs. Needs root (the lab's namespaces); without it, one line says so."""
    say("## Steady state against real servers: the network lab (`peers.py --net netlab --only steady` in its "
        "test-client namespace)\n")
    why = netlab_bench.netlabtest.skip_reason() or (", ".join(netlab_bench.netlab.missing_tools()) or None)
    if why:
        say(f"(not measured: {why})\n")
        return
    for link, key in (("slirp", "netlab_slirp"), ("tap", "netlab")):
        path = os.path.join(ctx.tmp, f"steady-netlab-{link}.json")
        args = ["--netlab-link", link, "--only", "steady", "--steady-cycles", str(cycles),
                "--steady-windows", str(windows), "--summary-json", path]
        if interval:
            args += ["--interval", str(interval)]
        window = windows * cycles * (interval or 10)
        code = netlab_bench.run(args, ttl_s=window + 900, window_s=window)
        if code != 0 or not os.path.exists(path):
            raise RuntimeError(f"steady-netlab: peers.py --net netlab --netlab-link {link} failed (exit {code})")
        with open(path) as f:
            ctx.summary[key] = json.load(f)


def symbol_owner(name, path=""):
    where = f"{name} {path}"
    if re.search(r"mbedtls|/net/tls|psa_", where, re.I):
        return "mbedTLS (static state, the TLS arena)"
    if re.search(r"lwip|memp_memory|ram_heap|^pbuf|^netif", where, re.I):
        return "lwIP (heap, pools, state)"
    if re.search(r"slirp|/host-sim/", where, re.I):
        return "host network layer (host-sim glue, statics)"
    if re.search(r"/firmware/|/hal/|/board/|probebox::", where):
        return "the firmware's own static objects"
    return "libc, libstdc++ statics, other"


def rss_attribution(pid, binary):
    """Resident KiB of the simulator by owner: the binary's writable image (data + bss)
    split by symbol (each symbol's resident pages read from /proc/<pid>/pagemap when
    readable, else its share of the mapping), the process heap (libslirp and glib
    allocate there: the firmware never mallocs), the code, the shared libraries, the stack."""
    out = {}
    maps = smaps(pid)
    exe = os.path.realpath(binary)
    base = min((m["lo"] - m["off"] for m in maps if os.path.realpath(m["path"] or "/") == exe), default=0)
    image_rw = [m for m in maps if (os.path.realpath(m["path"] or "/") == exe and m["perm"][1] == "w")]
    # bss continues into the anonymous mapping right after the binary's last writable one.
    if image_rw:
        after = [m for m in maps if m["lo"] == image_rw[-1]["hi"] and not m["path"]]
        image_rw += after
    syms = []
    nm = subprocess.run(["nm", "-S", "-C", "-l", "--defined-only", binary], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[2] in "bBdD":
            name, _, path = parts[3].partition("\t")
            syms.append((int(parts[0], 16) + base, int(parts[1], 16), symbol_owner(name, path)))
    pages = {}
    try:
        with open(f"/proc/{pid}/pagemap", "rb") as pm:
            for m in image_rw:
                for page in range(m["lo"] // 4096, m["hi"] // 4096):
                    pm.seek(page * 8)
                    pages[page] = bool(int.from_bytes(pm.read(8), "little") >> 63)
    except OSError:
        pages = {}
    image_kib = sum(m["rss"] for m in image_rw)
    if pages:
        by_page = {}
        for addr, size, owner in sorted(syms, key=lambda s: -s[1]):
            for page in range(addr // 4096, (addr + max(size, 1) - 1) // 4096 + 1):
                by_page.setdefault(page, owner)
        for page, present in pages.items():
            if present:
                owner = by_page.get(page, "the firmware's own static objects")
                out[owner] = out.get(owner, 0) + 4
        scale = image_kib / max(1, sum(out.values()))
        out = {k: round(v * scale) for k, v in out.items()}
    else:
        sizes = {}
        for _, size, owner in syms:
            sizes[owner] = sizes.get(owner, 0) + size
        whole = max(1, sum(sizes.values()))
        out = {k: round(image_kib * v / whole) for k, v in sizes.items()}
    for m in maps:
        if m in image_rw:
            continue
        path = m["path"]
        if os.path.realpath(path or "/") == exe:
            key = "the simulator's code and read-only data"
        elif path == "[heap]":
            key = "process heap (malloc: libslirp, glib, libc)"
        elif path.startswith("[stack"):
            key = "stack"
        elif ".so" in path:
            key = "shared libraries (libc, libslirp, glib, libstdc++)"
        else:
            key = "other anonymous mappings"
        out[key] = out.get(key, 0) + m["rss"]
    return {k: v for k, v in out.items() if v}


# The owner of a function's instructions: by its source file when callgrind knows it
# (the simulator and its static mbedTLS and lwIP have debug info), else by its object.
FILE_OWNERS = [
    ("mbedTLS (crypto, X.509, TLS)", re.compile(r"mbedtls", re.I)),
    ("lwIP", re.compile(r"lwip", re.I)),
    ("host network layer (libslirp, glib, host-sim glue)", re.compile(r"slirp|glib|(^|/)host-sim/", re.I)),
    ("the firmware's own code (firmware/, hal/, board/)", re.compile(r"(^|/)(firmware|hal|board)/")),
]
OBJECT_OWNERS = [
    ("mbedTLS (crypto, X.509, TLS)", re.compile(r"libmbed", re.I)),
    ("host network layer (libslirp, glib, host-sim glue)", re.compile(r"libslirp|libglib|libgio", re.I)),
]
OTHER_OWNER = "libc, libstdc++, kernel entry, other"


def owner_of(path, obj):
    if path and path != "???":
        for owner, pattern in FILE_OWNERS:
            if pattern.search(path):
                return owner
    for owner, pattern in OBJECT_OWNERS:
        if pattern.search(obj):
            return owner
    return OTHER_OWNER


def breakdown(ctx, cycles):
    """The running simulator under callgrind: counters zeroed after its first full cycle,
    dumped after `cycles` more; instructions (self Ir) attributed by source file/object."""
    interval = ctx.steady_config["defaults"]["interval_s"]
    say(f"## Where the simulator's steady-state CPU goes (callgrind, {cycles} cycle(s) after the first)\n")
    out = os.path.join(ctx.tmp, "steady.cg")
    proc = start_sim(SIM, ctx.steady_config_path, ctx.tmp, "callgrind",
                     wrapper=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"))
    try:
        if not sim_ready(proc, len(ctx.checks), 300):
            raise RuntimeError("callgrind: the simulator did not finish its first cycle within 300 s")
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, timeout=60, check=True)
        time.sleep(cycles * interval)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, timeout=60, check=True)
    finally:
        stop_proc(proc)
    dumps = sorted((p for p in os.listdir(ctx.tmp) if p.startswith("steady.cg.")), key=lambda p: int(p.rsplit(".", 1)[1]))
    total, self_ir = read_callgrind(os.path.join(ctx.tmp, dumps[0]))
    by, fns = {}, {}
    for (obj, path, fn), ir in self_ir.items():
        owner = owner_of(path, obj)
        by[owner] = by.get(owner, 0) + ir
        fns.setdefault(owner, {})
        fns[owner][fn] = fns[owner].get(fn, 0) + ir
    top = {o: [f"{re.sub(r'[(].*', '', f)[-44:]} {100 * ir / max(1, total):.1f} %"
               for f, ir in sorted(d.items(), key=lambda kv: -kv[1])[:3]] for o, d in fns.items()}
    total = total or sum(by.values())
    per_cycle = total / cycles
    rows = [[owner, f"{ir / cycles:,.0f}", f"{100 * ir / total:.1f} %", "; ".join(top[owner])]
            for owner, ir in sorted(by.items(), key=lambda kv: -kv[1])]
    table(["owner", "instructions per cycle", "share", "largest functions (self Ir)"], rows)
    say(f"Total {per_cycle:,.0f} instructions per steady-state cycle of {len(ctx.checks)} checks on the host "
        "(x86-64, sim-release), every thread of the process, the idle loop included. Self instructions: "
        "memset/memcpy called by mbedTLS or lwIP count under libc.\n")
    ctx.summary["cpu_breakdown"] = {k: 100 * v / total for k, v in by.items()}
    ctx.summary["host_instr_cycle"] = per_cycle


def kernel_side(ctx, cycles):
    """The running simulator under perf for `cycles` steady cycles: every sample, kernel
    ones included, given to one cause (tests/bench/kernel_profile.py). callgrind above
    sees only user space; this says where the kernel time of the steady cycle goes."""
    interval = ctx.steady_config["defaults"]["interval_s"]
    say(f"## Where the simulator's CPU goes, the kernel's side included (perf, {cycles} cycle(s))\n")
    why_not = kernel_profile.available()
    if why_not:
        say(f"(not measured: {why_not})\n")
        return
    proc = start_sim(SIM, ctx.steady_config_path, ctx.tmp, "perf")
    try:
        if not sim_ready(proc, len(ctx.checks), 120):
            raise RuntimeError("kernel: the simulator did not finish its first cycle within 120 s")
        timed = kernel_profile.record(proc.pid, cycles * interval, os.path.join(ctx.tmp, "steady.perf"))
        passes = kernel_profile.record_passes(proc.pid, cycles * interval, os.path.join(ctx.tmp, "sched.perf"))
    finally:
        stop_proc(proc)
    samples = [(period, frames) for _, period, frames in timed]
    if not samples:
        raise RuntimeError("kernel: perf recorded no sample of the running simulator")
    by, hyper = kernel_profile.shares(samples)
    whole = ctx.summary.get("cpu_steady_sim_whole")
    rows = [[c, f"{v:.1f} %", f"{v * whole * 10:.2f}" if whole else "-"] for c, v in
            sorted(by.items(), key=lambda kv: -kv[1])]
    table(["cause", "share of the process's samples",
           "ms per cycle at the steady window's whole-process CPU" if whole else "ms per cycle"], rows)
    kernel = sum(v for c, v in by.items() if c.startswith("kernel:"))
    say(f"{len(samples)} samples at about 5 kHz of CPU time, every thread, the idle loop included; {kernel:.1f} % "
        f"under the kernel's causes. {hyper:.1f} % were taken inside the virtual machine's paravirtual operations "
        "(pvm_*/kvm_*/xen_* symbols: re-enabling interrupts after a context switch, the IPIs of a TLB "
        "shootdown), counted under their cause too: what this machine adds to each wake-up and unmap. "
        "Each sample counts for the system call or fault it entered the kernel by, a sample in the scheduler for "
        "sleeping and waking. libslirp's two 128 KiB socket buffers per forwarded connection come from a pool kept "
        "for them (host-sim/slirp_buffer_pool.h): mapped and unmapped each time, they were a fifth of these "
        "samples (docs/performance.md).\n")
    ctx.summary["kernel_causes"] = by
    ctx.summary["kernel_hypervisor"] = hyper
    # The marginal figure takes the loop between cycles off; the cycle's own samples
    # say where what is left goes.
    cycle, between = kernel_profile.split_cycle(timed, interval)
    if cycle and between:
        in_cycle, _ = kernel_profile.shares(cycle)
        outside, _ = kernel_profile.shares(between)
        say("The same samples split by their time within the interval: the cycle is one burst, and the "
            f"{kernel_profile.CYCLE_BIN_S * 1000:.0f} ms bins of the interval holding more than "
            f"{kernel_profile.CYCLE_BIN_FACTOR} times the median bin's samples are the cycle's; the rest are the "
            "loop's passes between cycles, which the idle box pays too and the marginal figure leaves out.\n")
        table(["cause", f"share of the cycle's samples ({len(cycle)})",
               f"share of the samples between cycles ({len(between)})"],
              [[c, f"{in_cycle[c]:.1f} %", f"{outside[c]:.1f} %"] for c in
               sorted(in_cycle, key=lambda c: -in_cycle[c])])
        ctx.summary["kernel_causes_cycle"] = in_cycle
    loop_passes(ctx, passes, cycles)


def loop_passes(ctx, passes, cycles):
    """The same simulator's next `cycles` cycles as the scheduler saw them: the passes
    of its loop, each a wake-up, a stretch of work and a sleep (kernel_profile.py)."""
    say(f"### The loop's passes as the scheduler saw them (perf sched, {cycles} cycle(s))\n")
    if len(passes) < 2:
        raise RuntimeError(f"kernel: perf sched saw {len(passes)} pass(es) of the running simulator")
    f = kernel_profile.pass_figures(passes, cycles)

    def us(ms):
        return "-" if ms is None else f"{ms * 1000:.0f} us"

    table(["passes per cycle", "figure"], [
        ["every pass (a wake-up, then work, then a sleep; a preempted pass counts once)",
         f"{f['passes_per_cycle']:.1f}"],
        [f"a cycle's exchanges: after a sleep under {kernel_profile.EXCHANGE_WAIT_MS:.0f} ms",
         f"{f['exchange_passes_per_cycle']:.1f}"],
        ["  their run time, ms per cycle", f"{f['exchange_run_ms_per_cycle']:.2f}"],
        ["  the median one ran", us(f["exchange_run_ms_median"])],
        ["  the median sleep before one (the wait for a server)", us(f["exchange_wait_ms_median"])],
        ["between cycles, on a timer (lwIP's 500 ms clock, the next cycle's start)",
         f"{f['timer_passes_per_cycle']:.1f}"],
        ["  the median one ran", us(f["timer_run_ms_median"])],
        ["times a pass was preempted by another process (each a switch out and back in)",
         f"{f['preempted_per_cycle']:.1f}"],
    ])
    say("Run time is the scheduler's, from being switched in to being switched out: the wake-up's own path, the "
        "loop's work and the system calls it makes. A pass between cycles has next to nothing to do (a few "
        "thousand instructions of the loop's own), so what it runs is what waking after half a second asleep costs "
        "this machine; an exchange pass, woken by an answer a fraction of a millisecond after the last, pays less "
        "for its wake-up (the floor phase prints both prices).\n")
    ctx.summary["loop_passes"] = f


def read_callgrind(path):
    """Self instructions by (object, source file, function) from a callgrind out file:
    every cost line counts for the file in force (fl=, or fi=/fe= for inlined code),
    except the line after calls=, which is a callee's inclusive cost."""
    names = {}

    def name(kind, value):
        m = re.match(r"^\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value
        key = (kind, m.group(1))
        if m.group(2) is not None:
            names[key] = m.group(2)
        return names.get(key, value)

    total, out = 0, {}
    obj = fl = cur_file = fn = ""
    skip_next = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) > 1:
                    key = (obj, cur_file, fn)
                    out[key] = out.get(key, 0) + int(parts[1])
                continue
            key, _, value = line.partition("=")
            if key == "ob":
                obj = name("ob", value)
            elif key == "fl":
                fl = cur_file = name("fl", value)
            elif key in ("fi", "fe"):
                cur_file = name("fl", value)
            elif key == "fn":
                fn = name("fn", value)
                cur_file = fl
            elif key in ("cob", "cfi", "cfl"):
                name("ob" if key == "cob" else "fl", value)
            elif key == "cfn":
                name("fn", value)
            elif key == "calls":
                skip_next = True
            elif key in ("summary", "totals"):
                total = int(value.split()[0])
    return total or sum(out.values()), out


def qemu_command(tmp, append, lcd, icount=True, nic_extra=""):
    """The Cortex-M4 image under QEMU, its console on stdout, its LCD in tmp/lcd; with
    icount, one instruction is 1 ns of virtual time."""
    return ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
            *(["-icount", "shift=0"] if icount else []),
            "-semihosting-config", "enable=on,target=native", "-kernel", IMAGE,
            "-serial", "stdio", "-serial", f"file:{tmp}/{lcd}",
            "-nic", "user,model=lan9118,net=10.0.2.0/24,host=10.0.2.2,ipv6=off" + nic_extra,
            "-append", append]


def icount_run(cfg, tmp, limit=300):
    """The image under QEMU with -icount shift=0 (one instruction = 1 ns of virtual time),
    --once; returns (figures, statuses)."""
    path = write_json(os.path.join(tmp, f"ic-{random.randrange(1 << 30)}.json"), cfg)
    cmd = qemu_command(tmp, f"--once --config {path}", "lcd-ic.txt")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, stdin=subprocess.DEVNULL)
    statuses = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            statuses = [c["status"] for c in json.loads(line[7:])["checks"]]
    return dict(sim_figures(proc.stdout), longest_step=longest_step(proc.stdout)), statuses


def icount(ctx):
    """Instructions per appliance cycle on the Cortex-M4 image: the firmware's busy time
    under -icount shift=0 is an instruction count (busy_us x 1000)."""
    say("## Instructions per appliance cycle on the Cortex-M4 image (QEMU mps2-an386, -icount shift=0)\n")
    lab = ctx.lab
    tmp = ctx.tmp
    defaults = dict(ctx.config["defaults"], timeout_ms=8000)  # timeout <= interval_s
    figures, statuses = icount_run(dict(ctx.config, defaults=defaults), tmp)
    rows = []
    if "busy_us" not in figures:
        say(f"(the demo profile gave no figures line under -icount: {statuses})\n")
    # Per probe kind: the one-check baseline, and the baseline plus one check of the kind.
    base_check = {"id": "base", "type": "tcp", "host": "10.0.2.2", "port": lab["mesh"][0]}
    tls_port = lab["tls"]["scenarios"]["good"]["port"]
    kinds = {
        "tcp": {"type": "tcp", "host": "10.0.2.2", "port": lab["mesh"][1]},
        "dns": {"type": "dns", "server": f"10.0.2.2:{lab['dns']}", "name": "manage.lab.test",
                "expect_addresses": ["10.0.2.2"]},
        "ntp": {"type": "ntp", "server": f"10.0.2.2:{lab['sntp']}"},
        "http (plain)": {"type": "http", "url": f"http://10.0.2.2:{lab['testall']}/testall"},
        "http (https /testall)": {"type": "http", "url": f"https://10.0.2.2:{tls_port}/testall",
                                  "host_header": "manage.lab.test"},
        "tls_cert": {"type": "tls_cert", "host": "10.0.2.2", "port": tls_port, "server_name": "manage.lab.test",
                     "names": ["manage.lab.test"]},
        "smtp (STARTTLS + AUTH)": {"type": "smtp", "host": "10.0.2.2", "port": lab["smtp"]["ok"]["port"],
                                   "server_name": "relay.lab.test", "username": peer_configs.SMTP_USER,
                                   "password": peer_configs.SMTP_PASSWORD},
    }
    doc = {"schema": 1, "trust_anchors_pem": lab["tls"]["root_pem"], "defaults": {"timeout_ms": 8000},
           "network": ctx.config["network"]}
    base_fig, _ = icount_run(dict(doc, checks=[base_check]), tmp)
    base = base_fig.get("busy_us", 0) * 1000
    rows.append(["baseline: a cycle of one tcp check", f"{base:,}", "-", f"{base / 168e3:.2f}", "-"])
    ctx.summary["icount_kinds"] = {}
    for label, check in kinds.items():
        if ctx.smoke and label not in ("tcp", "tls_cert"):
            continue
        fig, st = icount_run(dict(doc, checks=[base_check, dict(check, id="k")]), tmp)
        if "busy_us" not in fig:
            rows.append([f"one {label} check", "no figures line", "-", "-", "-"])
            continue
        extra = fig["busy_us"] * 1000 - base
        ctx.summary["icount_kinds"][label] = extra
        rows.append([f"one {label} check (net of the baseline)", f"{extra:,}", f"{extra:,}",
                     f"{extra / 168e3:.2f}", st[-1] if st else "-"])
    if "busy_us" in figures:
        whole = figures["busy_us"] * 1000
        ctx.summary["icount_cycle"] = whole
        rows.insert(0, [f"demo appliance profile, --once: the first cycle ({figures.get('checks')} checks)",
                        f"{whole:,}", f"{whole / max(1, figures['checks']):,.0f}", f"{whole / 168e3:.1f}",
                        f"{statuses.count('ok')}/{len(statuses)} ok"])
    table(["run", "instructions (busy_us x 1000)", "per check", "ms at 168 MHz (1 instr/cycle)", "result"], rows)
    step = figures.get("longest_step") or {}
    if "loop_us" in step:
        # A probe's handshake runs in lwIP's receive callbacks (the network phase), the
        # HTTPS server's in its own: the whole pass is what the panel and the web UI wait for.
        phases = ["network", "timers", "checks", "services", "events", "https", "web", "panel"]
        ctx.summary["icount_longest_pass"] = step["loop_us"] * 1000
        ctx.summary["icount_longest_pass_phase"] = max(phases, key=lambda p: step.get(p + "_us", 0))
        say(f"The longest pass of the main loop in that cycle: {step['loop_us'] * 1000:,} instructions "
            f"({step['loop_us'] / 168:.1f} ms at 168 MHz), by phase: "
            + ", ".join(f"{p} {step[p + '_us'] * 1000:,}" for p in phases if step.get(p + "_us")) + ".\n")
    if "step_us" in step:
        # One scheduler step holds the loop (the web server, the panel, lwIP's timers):
        # its longest, in instructions, and the call that made it long.
        ctx.summary["icount_longest_step"] = step["step_us"] * 1000
        say(f"The longest scheduler step of that cycle: {step['step_us'] * 1000:,} instructions "
            f"({step['step_us'] / 168:.1f} ms at 168 MHz); its slowest call, {step['slowest_us'] * 1000:,} "
            f"instructions, was a {step['slowest'].replace('/', ' of a ')} check (#{step['slowest_check']}); "
            f"the step made {step['poll_calls']} polls ({step['poll_us'] * 1000:,}), {step['start_calls']} starts "
            f"({step['start_us'] * 1000:,}) and {step['report_calls']} reports ({step['report_us'] * 1000:,}).\n")
    if "longest_wait_us" in step:
        # A reply that lands during such a pass waits in the controller's FIFO; the
        # receive interrupt's stamp keeps that wait out of the latency the probe reports.
        ctx.summary["icount_longest_frame_wait"] = step["longest_wait_us"] * 1000
        say(f"The receive interrupt stamped {step['stamped']:,} frames ({step['unstamped']} without a stamp); the "
            f"longest any of them waited in the controller for the loop was {step['longest_wait_us'] * 1000:,} "
            f"instructions ({step['longest_wait_us'] / 168:.1f} ms at 168 MHz). A probe times its reply by the "
            "stamp, so that wait is not in the latency it reports.\n")
    say("busy_us is the firmware's time outside the idle wait (WFI on the board); with -icount shift=0 QEMU's "
        "virtual clock advances 1 ns per instruction, so busy_us x 1000 is the instruction count. busy_us "
        "counts the main loop's steps from the first check on (not boot: DHCP, config parse, trust store). The first "
        "cycle has no TLS session or verified chain to reuse yet. 168 MHz at one "
        "instruction per clock is a lower bound on time: flash wait states and multi-cycle instructions add to it.\n")


def icount_steady(ctx, cycles):
    """Instructions per steady appliance cycle on the Cortex-M4 image: the image runs the
    demo profile continuously under -icount shift=0 (the verified-chain cache and the
    TLS sessions warm after its first cycle), and its busy_us is read from
    /api/diagnostics at both ends of a window. The reads go over one kept-alive HTTPS
    connection (a /healthz every few seconds keeps it), so the window holds no TLS
    handshake of the box's own; what a read costs is measured and taken off."""
    interval = ctx.steady_config["defaults"]["interval_s"]
    say(f"### A steady cycle on the Cortex-M4 image: {cycles} cycles of {interval} s under -icount shift=0\n")
    import http.client
    from test_https import colon_hex, unverified_context
    tmp = ctx.tmp
    defaults = dict(ctx.steady_config["defaults"], timeout_ms=min(8000, interval * 1000))
    path = write_json(os.path.join(tmp, "ic-steady.json"), dict(ctx.steady_config, defaults=defaults))
    https_port = free_port()
    console_path = os.path.join(tmp, "ic-steady-console.txt")
    console = open(console_path, "w")
    cmd = qemu_command(tmp, f"--config {path} --flash {tmp}/ic-steady-flash.bin", "lcd-ic-steady.txt",
                       nic_extra=f",hostfwd=tcp:127.0.0.1:{https_port}-10.0.2.15:443")
    proc = subprocess.Popen(cmd, stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    console.close()
    conn = None
    try:
        deadline = time.monotonic() + 120
        password = fingerprint = None
        while time.monotonic() < deadline and (password is None or fingerprint is None) and proc.poll() is None:
            with open(console_path, errors="replace") as f:
                password, fingerprint = boot_secrets(f.read())
            time.sleep(0.5)
        if password is None or fingerprint is None:
            say("(the image printed no first-boot password or fingerprint: no steady figure)\n")
            return
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=20, context=unverified_context())
        headers = {}
        connects = 0

        def call(method, path, body=None):
            nonlocal connects
            for _ in range(3):
                try:
                    if conn.sock is None:
                        conn.connect()
                        connects += 1
                        if colon_hex(conn.sock.getpeercert(binary_form=True)) != fingerprint:
                            raise RuntimeError("the image's certificate is not the one it printed")
                    h = dict(headers, **({"Content-Type": "application/json"} if body else {}))
                    conn.request(method, path, body=json.dumps(body) if body else None, headers=h)
                    r = conn.getresponse()
                    return r.status, r.headers, r.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    time.sleep(1)
            raise RuntimeError(f"{path}: no answer")

        while time.monotonic() < deadline and "Cookie" not in headers:
            status, h, _ = call("POST", "/api/login", {"password": password})
            if status == 200:
                headers["Cookie"] = h["Set-Cookie"].split(";", 1)[0]

        def read(path):
            status, _, raw = call("GET", path)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")
            return json.loads(raw)

        def wait(seconds):
            # Short sleeps and a /healthz between them: the box closes a connection idle for 15 s.
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                time.sleep(min(4.0, max(0.0, end - time.monotonic())))
                call("GET", "/healthz")

        def runs():
            return {x["id"]: sum(x.get("counts", {}).values()) for x in read("/api/status")["checks"]}

        while time.monotonic() < deadline and not all(n > 0 for n in runs().values()):
            wait(1)
        wait(interval)  # the second cycle: sessions and chains are warm from here on
        runs0 = runs()
        # A read's own cost: the least of a few back-to-back pairs (a probe of the
        # cycle may run during any one pair).
        pairs = []
        for _ in range(5):
            a = read("/api/diagnostics")["cpu"]["busy_us"]
            diag_b = read("/api/diagnostics")
            b = diag_b["cpu"]["busy_us"]
            pairs.append(b - a)
        connects_before, began = connects, time.monotonic()
        wait(cycles * interval)
        diag_c = read("/api/diagnostics")
        c = diag_c["cpu"]["busy_us"]
        reconnects = connects - connects_before
        runs1 = runs()
        # The cycles the image ran in the window (its clock is virtual): what most checks ran.
        deltas = [runs1[k] - runs0.get(k, 0) for k in runs1]
        ran = statistics.mode(deltas) if deltas else 0
        checks = read("/api/status")["checks"]
        statuses = [x["status"] for x in checks]
        not_ok = [f"{x['id']}: {x['status']}, {x['summary']}" for x in checks if x["status"] != "ok"]
        elapsed = time.monotonic() - began
    except (OSError, ValueError, KeyError, RuntimeError, http.client.HTTPException) as e:
        say(f"(the image's steady figures could not be read: {e})\n")
        return
    finally:
        if conn is not None:
            conn.close()
        stop_proc(proc)
    if ran <= 0:
        say(f"(the image ran no cycle in the window: {deltas})\n")
        return
    one_read = min(pairs) * 1000
    reads = 1 + round(elapsed / 4.0)  # the closing /api/diagnostics and the /healthz keep-alives
    per_cycle = max(0, (c - b) * 1000 - reads * one_read) / ran
    ctx.summary["icount_steady_cycle"] = per_cycle
    table(["run", "instructions per cycle", "ms at 168 MHz (1 instr/cycle)", "CPU load at this interval",
           "result"],
          [[f"demo appliance profile, steady ({ran} cycles after the second)", f"{per_cycle:,.0f}",
            f"{per_cycle / 168e3:.1f}", f"{100 * per_cycle / 168e6 / interval:.2f} %",
            f"{statuses.count('ok')}/{len(statuses)} ok" + "".join(f"; {t}" for t in not_ok)],
           [f"one request on the kept-alive HTTPS connection ({reads} in the window, taken off; "
            f"{reconnects} new handshakes in it; the least of 5 back-to-back pairs)", f"{one_read:,}", f"{one_read / 168e3:.2f}", "-", "-"]])
    if "loop_times" in diag_c:
        # The window's main-loop passes by length (the counts at its end less those at its start).
        bounds = diag_c["loop_times"]["bounds_ms"]
        counts = [y - x for x, y in zip(diag_b["loop_times"]["counts"], diag_c["loop_times"]["counts"])]
        # A virtual ms is a million instructions: 6 ms at 168 MHz.
        labels = ([f"< {bounds[0]} M ({bounds[0] / 0.168:.0f} ms)"]
                  + [f"{lo}-{hi} M ({lo / 0.168:.0f}-{hi / 0.168:.0f} ms)" for lo, hi in zip(bounds, bounds[1:])]
                  + [f">= {bounds[-1]} M ({bounds[-1] / 0.168:.0f} ms)"])
        last = max((i for i, n in enumerate(counts) if n), default=0)
        ctx.summary["icount_steady_longest_pass_bucket"] = labels[last]
        say("The window's main-loop passes by length on the Cortex-M4, in instructions (and ms at 168 MHz); "
            "the buckets up to the last one used:\n")
        table(["pass length"] + labels[:last + 1], [["passes in the window"] + [f"{n:,}" for n in counts[:last + 1]]])
    say(f"Measured over {elapsed:.0f} s of wall time; the cycles are what most checks ran in it (their result "
        "counts in /api/status), since the image's clock is virtual; busy_us x 1000 as above. Under -icount the "
        "guest's clock drifts from the host's (virtual time runs at one instruction per ns while it works), so an "
        "ntp check against the lab's real-time server may see an offset of seconds there: the clock's, not the "
        "firmware's. A steady cycle reuses the verified chains and resumes the TLS sessions of the https "
        "/testall checks and the SMTP relay; every tls_cert check still verifies its server's signature.\n")


def ssl_cert_outcomes(ctx, runs=6):
    """check_ssl_cert one at a time: CPU when it completes and when it stops at the lab
    server's missing close_notify ("TLS handshake error")."""
    cmd = next(c for c in peer_configs.plugin_commands(ctx.checks, ctx.root_pem, "check_ssl_cert")
               if c[0] == "check_ssl_cert")[1]
    by = {}
    for _ in range(runs):
        code, cpu, wall = run_process(cmd, 60)
        by.setdefault("ok (exit 0)" if code == 0 else f"exit {code}", []).append(cpu)
    say(f"check_ssl_cert alone, {runs} runs in a row, by outcome:\n")
    table(["outcome", "runs", "CPU ms (median)", "min-max"],
          [[k, len(v), f"{med(v) * 1000:.0f}", span([x * 1000 for x in v], "{:.0f}")] for k, v in sorted(by.items())])
    ctx.summary["ssl_cert_ok_cpu"] = med(by.get("ok (exit 0)", []))


class PanelReader(threading.Thread):
    """Reads --panel json lines; remembers when (host monotonic) each LED last changed colour."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lock, self.colors, self.changed = stream, threading.Lock(), {}, {}

    def run(self):
        for line in self.stream:
            now = time.monotonic()
            try:
                leds = json.loads(line)["leds"]
            except (ValueError, KeyError):
                continue
            with self.lock:
                for name, state in leds.items():
                    if self.colors.get(name) != state["color"]:
                        self.colors[name] = state["color"]
                        self.changed[name] = now

    def red_since(self, led, after):
        with self.lock:
            if self.colors.get(led) == "red" and self.changed.get(led, 0) >= after:
                return self.changed[led]
        return None


def latency(ctx, rounds):
    say("## Detection latency: a lab service stops, until the hard state is critical\n")
    doc = ctx.config
    d = doc["defaults"]
    bound = d["interval_s"] * d["confirm"] + d["timeout_ms"] / 1000 + 0.1
    mesh0 = ctx.lab["mesh"][0]
    cases = [(f"tcp:{mesh0}", "closed", "open", f"prod.node1.{mesh0}", "ports"),
             # The lab's resolver stops answering. (Not /testall: the profile's /testall is
             # HTTPS on tls_lab.py now, which the plain lab server's modes do not reach.)
             ("dns", "down", "up", "prod.dns.manage", "dns")]
    port = free_port()
    flash = os.path.join(ctx.tmp, "latency.bin")
    console_path = os.path.join(ctx.tmp, "latency-console.txt")
    console = open(console_path, "w")
    proc = subprocess.Popen([SIM, "--config", ctx.config_path, "--flash", flash, "--panel", "json",
                             "--http-port", str(port), "--https-port", "0"], stdout=subprocess.PIPE, stderr=console,
                            stdin=subprocess.DEVNULL, text=True)
    reader = PanelReader(proc.stdout)
    reader.start()
    # The API needs a session: the console prints the first-boot password (the LCD shows it).
    deadline = time.monotonic() + 30
    while port not in FIRST_BOOT and time.monotonic() < deadline:
        with open(console_path) as f:
            for line in f:
                if "first-boot password" in line:
                    FIRST_BOOT[port] = line.rsplit(":", 1)[1].strip()
        time.sleep(0.1)

    def status():
        try:
            return {c["id"]: c for c in json.loads(http_get(port, "/api/status", timeout=2)[2])["checks"]}
        except (OSError, ValueError, AssertionError, urllib.error.HTTPError):
            return {}

    def wait_hard(check_id, state, limit):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            c = status().get(check_id)
            if c and c["hard"] == state:
                return time.monotonic()
            time.sleep(0.05)
        return None

    rows, results = [], []
    try:
        for check_id in (c[3] for c in cases):
            if wait_hard(check_id, "ok", 30) is None:
                raise RuntimeError(f"{check_id} never became ok")
        for r in range(rounds):
            service, bad, good, check_id, led = cases[r % len(cases)]
            # A random phase against the check's schedule (bounded by one interval), so the
            # rounds sample the range rather than repeat one point of it.
            time.sleep(random.uniform(0, d["interval_s"]))
            ctx.lab_handle.set(service, bad)
            t0 = time.monotonic()  # the lab closes the socket before it answers the request
            t_api = wait_hard(check_id, "critical", bound + 10)
            t_panel = None
            deadline = time.monotonic() + 5
            while t_panel is None and time.monotonic() < deadline:
                t_panel = reader.red_since(led, t0)
                if t_panel is None:
                    time.sleep(0.02)
            ctx.lab_handle.set(service, good)
            api_s = t_api - t0 if t_api else None
            panel_s = t_panel - t0 if t_panel else None
            ok = api_s is not None and panel_s is not None and api_s <= bound and panel_s <= bound
            results.append((api_s, panel_s, ok))
            rows.append([r + 1, f"{service} {bad}", check_id,
                         f"{api_s:.2f}" if api_s is not None else "never", f"{panel_s:.2f}" if panel_s else "never",
                         f"{bound:.1f}", "pass" if ok else "FAIL"])
            if wait_hard(check_id, "ok", bound + 10) is None:
                say(f"(round {r + 1}: {check_id} did not recover)")
    finally:
        ctx.lab_handle.set(cases[0][0], cases[0][2])
        ctx.lab_handle.set(cases[1][0], cases[1][2])
        proc.terminate()
        proc.wait(5)
    say(f"The simulator runs the demo profile continuously (interval {d['interval_s']} s, confirm {d['confirm']}, "
        f"timeout {d['timeout_ms']} ms); bound = interval x confirm + timeout + 100 ms = {bound:.1f} s. "
        "/api/status polled every 50 ms; panel lines timestamped as read.\n")
    table(["round", "fault", "check", "to hard critical in /api/status, s", "to red LED in panel JSON, s",
           "bound s", "verdict"], rows)
    api = [a for a, _, _ in results if a is not None]
    if api:
        say(f"median {med(api):.2f} s, min-max {span(api, '{:.2f}')} s; "
            f"{sum(1 for *_, ok in results if ok)} of {len(results)} rounds within the bound.\n")
    ctx.summary["latency_pass"] = f"{sum(1 for *_, ok in results if ok)}/{len(results)}"


def scale(ctx, counts, rounds):
    say("## Scale: N checks against listeners on 127.0.0.1\n")
    listeners = [Listener(max_s=1800) for _ in range(9)]
    rows, notes = [], {}
    try:
        sim = Sim(SIM, ctx.tmp)
        for count in counts:
            # Ten checks per node: nine mesh ports (tcp) and the node's /testall, which the
            # profile asks over HTTPS (the lab's TLS server, its CA as the trust anchor).
            nodes = ["10.0.2.2"] * max(1, count // 10)
            doc = {"schema": 1, "defaults": {"timeout_ms": 5000}, "trust_anchors_pem": ctx.lab["tls"]["root_pem"],
                   "appliance": {"name": "b", "nodes": nodes,
                                 "domain_names": {"dashboard": "manage.lab.test"}, "egress": [],
                                 "ports": {"mesh": [l.port for l in listeners],
                                           "https": ctx.lab["tls"]["scenarios"]["good"]["port"]}}}
            path = write_json(os.path.join(ctx.tmp, f"scale-{count}.json"), doc)
            probe = sim.once(path, timeout=300)
            tries = 0
            while probe["cycle_ms"] is None and tries < 12 and len(nodes) > 1:
                # The config arena (PROBEBOX_CONFIG_ARENA_BYTES) holds the generated ids and
                # URLs; should a build's arena be too small, step down until it fits, and say so.
                tries += 1
                nodes = nodes[: int(len(nodes) * 0.9)]
                doc["appliance"]["nodes"] = nodes
                path = write_json(os.path.join(ctx.tmp, f"scale-{count}.json"), doc)
                probe = sim.once(path, timeout=300)
            if tries:
                say(f"- {count} checks: the config was refused (config too large after expansion); "
                    f"the largest tried that loaded has {len(nodes)} nodes.")
            runs = []
            for _ in range(rounds):
                o = sim.once(path, timeout=300)
                if o["cycle_ms"] is None:
                    say(f"scale {count}: run failed, exit {o['code']}")
                    break
                not_ok = sum(1 for c in o["doc"]["checks"] if c["status"] != "ok") if o["doc"] else -1
                for c in (o["doc"] or {"checks": []})["checks"]:
                    if c["status"] != "ok" and len(notes) < 6 and c["id"].split(".")[-1] not in notes:
                        notes[c["id"].split(".")[-1]] = f"{c['id']}: {c['summary']}"
                runs.append((o, not_ok))
            if not runs:
                continue
            cyc = [o["cycle_ms"] for o, _ in runs]
            cpu = [o["cpu"] * 1000 for o, _ in runs]
            rows.append([runs[0][0]["checks"], f"{med(cyc):.1f}", span(cyc), f"{med(cpu):.1f}", span(cpu),
                         f"{med(cpu) / runs[0][0]['checks']:.2f}",
                         f"{max(o['rss_kib'] for o, _ in runs) / 1024:.1f}",
                         max(o["in_flight"] for o, _ in runs), max(n for _, n in runs)])
    finally:
        for l in listeners:
            l.close()
    say(f"One --once cycle per run, median and min-max of {rounds} runs; nine tcp checks per node and one "
        "HTTPS /testall (the lab's Python TLS server), so 90 % tcp and 10 % https; the rest of the profile's "
        "checks for the dashboard name (cert, dns, https-only) come on top.\n")
    table(["checks", "cycle wall ms (median)", "min-max", "process CPU ms (median)", "min-max",
           "CPU ms per check", "peak RSS MiB", "max in flight", "checks not ok"], rows)
    for note in notes.values():
        say(f"- not ok: {note}")
    if notes:
        say("")


def callgrind(ctx):
    say("## Instructions (callgrind) for one probe, `--once` with a one-check config\n")
    lab = ctx.lab
    cases = {
        "baseline: one tcp check": {"id": "tcp", "type": "tcp", "host": "10.0.2.2", "port": lab["mesh"][0]},
        "one tls_cert check": {"id": "cert", "type": "tls_cert", "host": "10.0.2.2",
                               "port": lab["tls"]["scenarios"]["good"]["port"], "server_name": "manage.lab.test",
                               "names": ["manage.lab.test"]},
        "one dns check": {"id": "dns", "type": "dns", "server": f"10.0.2.2:{lab['dns']}", "name": "manage.lab.test",
                          "expect_addresses": ["10.0.2.2"]},
    }
    rows, base = [], None
    for label, check in cases.items():
        doc = {"schema": 1, "trust_anchors_pem": lab["tls"]["root_pem"], "defaults": {"timeout_ms": 8000},
               "checks": [check]}
        path = write_json(os.path.join(ctx.tmp, "cg.json"), doc)
        out = os.path.join(ctx.tmp, "cg.out")
        proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", SIM, "--config", path,
                               "--once", "--flash", os.path.join(ctx.tmp, "cg.bin")], capture_output=True,
                              text=True, timeout=600)
        try:
            result = json.loads(proc.stdout)["checks"][0]
            verdict = f"{result['status']}: {result['summary']}"
        except (ValueError, KeyError, IndexError):
            verdict = f"no result (exit {proc.returncode})"
        total = None
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
        top = subprocess.run(["callgrind_annotate", "--inclusive=no", out], capture_output=True, text=True).stdout
        incl = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True).stdout
        cls = {"tcp": "TcpProbe::", "tls_cert": "TlsCertProbe::", "dns": "DnsProbe::"}[check["type"]]
        probe_ir = max([int(m.group(1).replace(",", "")) for m in
                        re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+\S*" + re.escape(cls) + r"\S*", incl, re.M)] or [0])
        m = re.search(r"^\s*([\d,]+) \(.*memset", top, re.M)
        memset = int(m.group(1).replace(",", "")) if m else 0
        top_lines = [l for l in top.splitlines() if re.match(r"^\s*[\d,]+ \(", l)][:4]
        if base is None:
            base = total
        rows.append([label, f"{total:,}", "-" if total == base else f"{total - base:,}", f"{probe_ir:,}",
                     f"{memset:,} ({100 * memset / total:.0f} %)", verdict[:60]])
        ctx.summary.setdefault("callgrind_top", {})[label] = [re.sub(r"\s+", " ", l.strip())[:110] for l in top_lines]
    table(["config", "total Ir (whole process)", "net of the baseline",
           "largest inclusive Ir of one probe-class function", "memset (self Ir)", "verdict"], rows)
    say("Total Ir counts everything the process executes: the dynamic loader, libc, glib and libslirp "
        "(the host network: DHCP, NAT, host sockets), the config parse and flash write, RNG seeding, "
        "lwIP and mbedTLS, and the probe. The net figure is the probe (plus its share of slirp and lwIP).\n")
    for label, lines in ctx.summary["callgrind_top"].items():
        say(f"- {label}, top functions (self Ir): " + " | ".join(lines))
    say("")


def target(ctx, rounds):
    say("## Target figures: the Cortex-M4 image (mps2-an386)\n")
    size = subprocess.run(["arm-none-eabi-size", "-A", IMAGE], capture_output=True, text=True).stdout
    sections = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)\s+\d+", size, re.M)}
    flash = sum(v for k, v in sections.items()
                if re.match(r"^\.(isr_vector|text|ARM\.extab|ARM\.exidx|init_array|data)$", k))
    ram = sum(v for k, v in sections.items() if k in (".data", ".bss", ".noinit", ".stack"))
    board = open(os.path.join(REPO, "board", "mps2-an386", "CMakeLists.txt")).read()
    budget = {k: int(re.search(rf"PROBEBOX_{k}_BUDGET_BYTES (\d+)", board).group(1)) for k in ("FLASH", "RAM")}
    say(f"Footprint (same sums and budgets as cmake/footprint.cmake): flash {flash:,} of {budget['FLASH']:,} "
        f"bytes ({100 * flash // budget['FLASH']}%), RAM {ram:,} of {budget['RAM']:,} bytes "
        f"({100 * ram // budget['RAM']}%) incl. stack.\n")
    rows = []
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = write_json(os.path.join(tmp, "config.json"), dict(ctx.config, defaults=dict(
                ctx.config["defaults"], timeout_ms=8000)))
            cmd = qemu_command(tmp, f"--once --config {cfg}", "lcd.txt", icount=False)
            began = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    text=True)
            timer = threading.Timer(240, proc.kill)
            timer.start()
            t_result, console, statuses = None, [], []
            for line in proc.stdout:
                if line.startswith("RESULT ") and t_result is None:
                    t_result = time.monotonic() - began
                    statuses = [c["status"] for c in json.loads(line[7:])["checks"]]
                console.append(line)
            proc.wait()
            timer.cancel()
            guest_wall = sim_figures("".join(console)).get("wall_ms")
            rows.append([r + 1, f"{t_result:.2f}" if t_result else "no result",
                         int(guest_wall) if guest_wall is not None else "-",
                         f"{statuses.count('ok')}/{len(statuses)} ok"])
    say("Power-on to the first complete cycle under QEMU (TCG, not cycle-accurate): host wall time from "
        "starting qemu-system-arm to the RESULT line; the guest's own cycle time from its figures line. "
        "Demo profile + SMTP relay, timeout 8000 ms as in tests/system.\n")
    table(["run", "power-on to result, s", "guest cycle wall ms", "checks"], rows)


# --- main ----------------------------------------------------------------------------------
class Ctx:
    # How the simulators reach the lab: their two TAPs (the measured box's, the idle
    # box's) or None for libslirp; the words added to the simulator's label.
    taps = None
    net_label = ""
    netlab = False  # against the network lab's servers (--net netlab)


def virtualization():
    """What the kernel runs on, as far as this machine tells: every system call, wake-up
    and unmap costs more in a guest, and more again with page-table isolation."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    parts = []
    if "hypervisor" in flags:
        log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
        found = re.search(r"Hypervisor detected: (\S+)", log)
        parts.append(f"a virtual machine ({found.group(1)})" if found else "a virtual machine")
    if "pti" in flags:
        parts.append("page-table isolation on")
    return ", ".join(parts) or "no hypervisor flag"


def machine():
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", cpu)
    say(f"Machine: {model.group(1).strip() if model else platform.processor()}, nproc {os.cpu_count()}, "
        f"kernel {platform.release()}, {virtualization()}, load average {os.getloadavg()[0]:.2f} at start.\n")


def kind_counts(checks):
    """'8 tls_cert, 4 dns, ...': how many of each kind, in the order first met."""
    kinds = {}
    for c in checks:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    return ", ".join(f"{n} {k}" for k, n in kinds.items())


def first_once(ctx):
    """One --once cycle of the demo profile: its result document is the list of checks
    the peers are given (tests/bench/peer_configs.checks_from_once)."""
    o = Sim(SIM, ctx.tmp, ["--net", f"tap:{ctx.taps[0]}"] if ctx.taps else []).once(ctx.config_path)
    if not o["doc"]:
        raise RuntimeError(f"probebox-sim --once gave no result (exit {o['code']})")
    bad = [f"{c['id']}: {c['summary']}" for c in o["doc"]["checks"] if c["status"] != "ok"]
    if bad:
        say("WARNING: simulator checks not ok: " + "; ".join(bad) + "\n")
    return o["doc"]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=10, help="cycles per round for the simulator and the exporter")
    ap.add_argument("--steady-windows", type=int, default=3,
                    help="windows of --steady-cycles the steady phases run back to back (totals are the "
                         "claims; each window's ratio is printed, as they vary)")
    ap.add_argument("--steady-cycles", type=int, default=12,
                    help="cycles in the steady-state window (the user/kernel split is sampled in 10 ms ticks)")
    ap.add_argument("--floor-cycles", type=int, default=12, help="cycles socket_floor runs (the floor phase)")
    ap.add_argument("--callgrind-cycles", type=int, default=2, help="steady cycles recorded under callgrind")
    ap.add_argument("--kernel-cycles", type=int, default=6, help="steady cycles sampled by perf (the kernel phase)")
    ap.add_argument("--interval", type=int, default=0,
                    help="override the profile's interval_s (steady phases; whole seconds, as the config takes)")
    ap.add_argument("--latency-rounds", type=int, default=6)
    ap.add_argument("--scale", default="10,100,1000,5000")
    ap.add_argument("--qemu-rounds", type=int, default=3)
    ap.add_argument("--icount-steady-cycles", type=int, default=6,
                    help="steady cycles of the Cortex-M4 image measured under -icount")
    ap.add_argument("--only",
                    default="cost,steady,floor,steady-tap,steady-netlab,latency,scale,callgrind,breakdown,kernel,"
                            "icount,target")
    ap.add_argument("--net", choices=["slirp", "tap", "netlab"], default="slirp",
                    help="how the simulators reach the lab; tap: the steady phase only, in a network namespace of "
                         "its own (the steady-tap phase runs it so); netlab: the steady phase only, against the "
                         "network lab's real servers, inside its test-client namespace (the steady-netlab phase "
                         "runs it so)")
    ap.add_argument("--netlab-dir", help="--net netlab: the lab's directory (netlab.py up --dir)")
    ap.add_argument("--netlab-link", choices=["tap", "slirp"], default="tap",
                    help="--net netlab: the boxes on the lab's TAPs, or behind libslirp in the test-client namespace")
    ap.add_argument("--ab", default="",
                    help="the side-by-side phase (--only ab): LABEL=BINARY,LABEL=BINARY,... (the first is the base)")
    ap.add_argument("--ab-windows", type=int, default=4, help="windows of the side-by-side phase")
    ap.add_argument("--summary-json", help="also write the claims' figures to this file")
    ap.add_argument("--smoke", action="store_true",
                    help="one round, one cycle, short windows: every row of the claims printed, and asserted")
    a = ap.parse_args(argv)
    if a.smoke:
        # Two steady windows: the first cycle ends just before the window opens, so one
        # window could hold no cycle of the simulator at all; two always hold one.
        a.rounds, a.cycles, a.steady_cycles, a.callgrind_cycles, a.interval = 1, 1, 2, 1, 3
        a.floor_cycles, a.kernel_cycles = 2, 2
        a.only = "cost,steady,floor,steady-tap,steady-netlab,breakdown,kernel,icount"
    only = set(a.only.split(","))
    ctx = Ctx()
    ctx.summary, ctx.smoke, ctx.tap = {}, a.smoke, a.net == "tap"
    if a.net == "netlab":
        if only not in ({"steady"}, {"ab"}) or not a.netlab_dir:
            raise SystemExit("peers.py: --net netlab measures the steady or the side-by-side phase only "
                             "(--only steady or ab, --netlab-dir DIR)")
        if only == {"ab"} and (a.netlab_link != "slirp" or len(ab_builds(a)) != 2):
            raise SystemExit("peers.py: --net netlab --only ab compares two builds behind libslirp "
                             "(--netlab-link slirp)")
        return main_netlab(a, ctx, only)
    if ctx.tap:
        ctx.taps, ctx.net_label = ("pbtap0", "pbtap1"), " on a TAP"
        if only not in ({"steady"}, {"ab"}):
            raise SystemExit("peers.py: --net tap measures the steady or the side-by-side phase only "
                             "(--only steady, --only ab)")
        if "ab" in only and len(ab_builds(a)) != 2:
            raise SystemExit("peers.py: --net tap --only ab compares two builds (one TAP each)")
        TAP_UI_PORTS.update({dev: free_port() for dev in tap_lab.DEVICES})
        tap_lab.enter(TAP_UI_PORTS)
    ctx.lab_host = peer_configs.TAP_HOST if ctx.tap else peer_configs.SLIRP_HOST
    if ctx.tap:
        # The lab listens where the boxes reach it, the TAP's host side (tap_lab.py).
        os.environ[lab_address.VARIABLE] = peer_configs.TAP_HOST
    machine()
    with tempfile.TemporaryDirectory(prefix="probebox-bench.") as tmp:
        ctx.tmp = tmp
        base = free_port_block(60)
        lab = lab_module.Lab(tmp, base_port=base, max_seconds=3600, lb_address=ctx.lab_host)
        lab.up()
        ctx.lab_handle, ctx.lab = lab, lab.ports
        exporter = None
        try:
            ctx.config = peer_configs.demo_config(REPO, lab.ports, ctx.lab_host)
            if ctx.tap:
                ctx.config["network"] = tap_lab.network("pbtap0", ctx.config["network"]["dns"],
                                                        ctx.config["network"]["ntp"])
            ctx.config_path = write_json(os.path.join(tmp, "demo-config.json"), ctx.config)
            steady_cfg = dict(ctx.config)
            if a.interval:
                steady_cfg["defaults"] = dict(ctx.config["defaults"], interval_s=a.interval)
            ctx.steady_config = steady_cfg
            ctx.steady_config_path = write_json(os.path.join(tmp, "steady-config.json"), steady_cfg)
            ctx.idle_doc = idle_config(ctx)
            if ctx.tap:
                ctx.idle_doc["network"] = tap_lab.network(ctx.taps[1], ctx.idle_doc["network"]["dns"],
                                                          ctx.idle_doc["network"]["ntp"])
            ctx.root_pem = os.path.join(tmp, "root.pem")
            with open(ctx.root_pem, "w") as f:
                f.write(lab.ports["tls"]["root_pem"])
            ctx.once_doc = first_once(ctx)
            ctx.checks = peer_configs.checks_from_once(ctx.once_doc)
            ctx.summary["checks"] = len(ctx.checks)
            bb_path = write_json(os.path.join(tmp, "blackbox.yml"),
                                 peer_configs.blackbox_config(ctx.checks, ctx.root_pem))
            say(f"Lab on {lab.address}:{base}..{base + 59}. The peers' checks are the simulator's own: "
                f"{len(ctx.checks)} checks read from its --once result ({kind_counts(ctx.checks)}); blackbox.yml and the plugin command "
                "lines are made from them by tests/bench/peer_configs.py.\n")
            if only & {"cost", "rss", "steady"}:
                ctx.exporter = exporter = Exporter(bb_path, tmp)
            if "cost" in only:
                cost(ctx, a.rounds, a.cycles)
            if "steady" in only or "rss" in only:
                steady(ctx, a.steady_cycles, 1 if a.smoke else a.steady_windows)
            if exporter:
                exporter.stop()
                exporter = None
            if "floor" in only:
                floor(ctx, a.floor_cycles, a.interval or ctx.steady_config["defaults"]["interval_s"])
            if "ab" in only:
                builds = ab_builds(a)
                if len(builds) < 2:
                    raise SystemExit("peers.py: --only ab needs --ab LABEL=BINARY,LABEL=BINARY")
                side_by_side(ctx, builds, a.steady_cycles, a.ab_windows)
            if "steady-tap" in only:
                steady_tap(ctx, a.steady_cycles, a.interval, 1 if a.smoke else a.steady_windows)
            if "steady-netlab" in only:
                steady_netlab(ctx, a.steady_cycles, a.interval, 1 if a.smoke else a.steady_windows)
            if "latency" in only:
                latency(ctx, a.latency_rounds)
            if "scale" in only:
                scale(ctx, [int(x) for x in a.scale.split(",")], a.rounds)
            if "callgrind" in only:
                callgrind(ctx)
            if "breakdown" in only:
                breakdown(ctx, a.callgrind_cycles)
            if "kernel" in only:
                kernel_side(ctx, a.kernel_cycles)
            if "icount" in only and os.path.exists(IMAGE):
                icount(ctx)
                if not ctx.smoke:
                    icount_steady(ctx, a.icount_steady_cycles)
            if "target" in only and os.path.exists(IMAGE):
                target(ctx, a.qemu_rounds)
        finally:
            if exporter:
                exporter.stop()
            lab.down()
    s = ctx.summary
    rows = []
    if "cpu_steady_sim" in s:
        rows.append(["steady-state CPU per cycle, blackbox_exporter / running simulator (marginal above its "
                     "idle loop, same window)" + (", the lab on a TAP" if ctx.tap else ""),
                     ratio(s["cpu_steady_exporter"], s["cpu_steady_sim"]), ">= 10"])
    if "tap" in s:
        t = s["tap"]
        rows.append(["the same with the lab on a TAP, no libslirp (steady-tap: its own window, exporter and lab)",
                     ratio(t["cpu_steady_exporter"], t["cpu_steady_sim"]), ">= 10"])
    for key, how in (("netlab_slirp", "through libslirp"), ("netlab", "on a TAP")):
        if key in s:
            t = s[key]
            rows.append([f"the same against the network lab's real servers, {t['checks']} checks {how} "
                         "(steady-netlab: its own window, exporter and lab)",
                         ratio(t["cpu_steady_exporter"], t["cpu_steady_sim"]), ">= 10"])
    if "cpu_sim" in s:
        rows.append(["--once CPU per cycle, blackbox_exporter / simulator (whole process: start-up included)",
                     ratio(s["cpu_exporter"], s["cpu_sim"]), "no longer dominated by start-up"])
        if "cpu_plugins" in s:
            rows.append(["CPU per cycle, monitoring-plugins (check_ssl_cert) / simulator --once",
                         ratio(s["cpu_plugins"], s["cpu_sim"]), ">= 20"])
        if "cpu_sim_small" in s:
            rows.append(["--once CPU per cycle, blackbox_exporter / simulator built with the target's capacities",
                         ratio(s["cpu_exporter"], s["cpu_sim_small"]), "-"])
    if "rss_sim" in s:
        rows.append(["peak RSS, exporter / simulator (sim-release)", ratio(s["rss_exporter"], s["rss_sim"]), ">= 4"])
    if "rss_sim_target" in s:
        rows.append(["peak RSS, exporter / simulator built with the target's capacities",
                     ratio(s["rss_exporter"], s["rss_sim_target"]), ">= 4"])
    if "icount_cycle" in s:
        rows.append(["instructions per appliance cycle on the Cortex-M4 image (icount)", f"{s['icount_cycle']:,}",
                     f"{s['icount_cycle'] / 168e3:.1f} ms at 168 MHz"])
    if "icount_longest_pass" in s:
        rows.append(["longest main-loop pass on the Cortex-M4 image, the first cycle (icount; most of it in the "
                     f"{s['icount_longest_pass_phase']} phase)",
                     f"{s['icount_longest_pass']:,}", f"{s['icount_longest_pass'] / 168e3:.1f} ms at 168 MHz"])
    if "icount_longest_frame_wait" in s:
        rows.append(["longest a received frame waited for the loop on the Cortex-M4 image, the first cycle (icount; "
                     "the receive interrupt's stamp keeps it out of the reported latency)",
                     f"{s['icount_longest_frame_wait']:,}", f"{s['icount_longest_frame_wait'] / 168e3:.1f} ms at 168 MHz"])
    if "icount_steady_cycle" in s:
        rows.append(["instructions per steady appliance cycle on the Cortex-M4 image (icount)",
                     f"{s['icount_steady_cycle']:,.0f}", f"{s['icount_steady_cycle'] / 168e3:.1f} ms at 168 MHz"])
    if rows:
        say("## Ratios (the claims)\n")
        table(["ratio", "measured", "goal"], rows)
    ctx.summary["rows"] = rows
    goal_notes(s, ctx.tap)
    write_summary(a, s)
    if a.smoke:
        smoke_assert(ctx)
    return 0


def write_summary(a, s):
    """--summary-json: the steady figures an outer run (steady-tap, steady-netlab) reads."""
    if a.summary_json:
        keys = ("cpu_steady_sim", "cpu_steady_exporter", "steady_split_sim", "steady_split_exporter",
                "steady_wakeups_sim", "busy_steady_sim", "rss_sim", "rss_exporter", "steady_not_ok",
                "steady_windows", "checks", "probes")
        write_json(a.summary_json, {k: s[k] for k in keys if k in s})


def ab_builds(a):
    """--ab LABEL=BINARY,LABEL=BINARY,...: the builds of the side-by-side phase, as [label, binary]."""
    return [b.split("=", 1) for b in a.ab.split(",") if b]


def main_netlab(a, ctx, only=frozenset({"steady"})):
    """--net netlab, inside the lab's test-client namespace (tests/bench/netlab_bench.py):
    the steady phase against the lab's real servers, the exporter beside the boxes; or
    (only {"ab"}) two builds side by side behind libslirp, without the exporter."""
    st = netlab_bench.state(a.netlab_dir)
    ctx.netlab = True
    slirp = a.netlab_link != "tap"
    if not slirp:
        ctx.taps, ctx.net_label = (st["tap"], st["second_tap"]), " against the network lab's servers (TAP)"
        TAP_UI_PORTS.update({tap: free_port() for tap in ctx.taps})
        SIM_WRAPPER[:] = ["ip", "netns", "exec", st["switch_namespace"]]
    else:
        ctx.net_label = " against the network lab's servers (libslirp)"
        SIM_ARGS[:] = netlab_bench.slirp_sim_args()
    machine()
    with tempfile.TemporaryDirectory(prefix="probebox-bench.") as tmp:
        ctx.tmp = tmp
        ctx.config = ctx.steady_config = netlab_bench.steady_config(a.netlab_dir, SIM, a.interval or 10, slirp)
        ctx.config_path = ctx.steady_config_path = write_json(os.path.join(tmp, "steady-config.json"), ctx.config)
        ctx.idle_doc = netlab_bench.idle_config(ctx.config, slirp)
        ui = {"main": TAP_UI_PORTS[ctx.taps[0]], "idle": TAP_UI_PORTS[ctx.taps[1]]} if ctx.taps else None
        netlab_bench.enter(st, ui)
        ctx.root_pem = netlab_bench.root_pem(a.netlab_dir, os.path.join(tmp, "roots.pem"))
        ctx.once_doc = first_once(ctx)
        ctx.checks = peer_configs.checks_from_once(ctx.once_doc, ctx.config["checks"])
        bb_path = write_json(os.path.join(tmp, "blackbox.yml"),
                             peer_configs.blackbox_config(ctx.checks, ctx.root_pem,
                                                          smtp_login=netlab_bench.smtp_login()))
        how = ("the boxes on its TAPs" if ctx.taps else
               "the boxes behind libslirp in its test-client namespace, let reach the lab's networks "
               f"({', '.join(netlab_bench.SLIRP_LAB_NETS)}: probebox-sim --lab-net), nothing rewritten on the way "
               "(tests/bench/netlab_bench.py)")
        say(f"The network lab (tests/netlab: haproxy, nginx, postfix with dovecot, unbound, chrony; docs/netlab.md); "
            f"{how}, blackbox_exporter in its test-client namespace (192.0.2.5). The peers' checks "
            f"are the simulator's own: {len(ctx.checks)} checks read from its --once result "
            f"({kind_counts(ctx.checks)}), the appliance's checks of the netlab tests "
            f"less the two isolation checks ({', '.join(netlab_bench.LEFT_OUT)}: the router drops them, a timer "
            "for the box and a failure the exporter cannot expect).\n")
        ctx.summary["checks"] = len(ctx.checks)
        if "ab" in only:
            side_by_side(ctx, ab_builds(a), a.steady_cycles, a.ab_windows)
            return 0
        ctx.exporter = Exporter(bb_path, tmp)
        try:
            steady(ctx, a.steady_cycles, a.steady_windows)
        finally:
            ctx.exporter.stop()
    ctx.summary["probes"] = len([p for p in peer_configs.blackbox_probes(ctx.checks) if p])
    write_summary(a, ctx.summary)
    return 0


def goal_notes(s, tap=False):
    """Where the remaining CPU and memory go, for each ratio short of its goal."""
    def biggest(shares):
        return "; ".join(f"{k} {v:.1f} %" for k, v in sorted(shares.items(), key=lambda kv: -kv[1])[:3])
    if "cpu_steady_sim" in s and s["cpu_steady_sim"] and s["cpu_steady_exporter"] / s["cpu_steady_sim"] < 10:
        where = biggest(s["cpu_breakdown"]) if "cpu_breakdown" in s else "(run --only steady,breakdown)"
        goal_ms = s["cpu_steady_exporter"] * 1000 / 10
        say(f"- Steady-state CPU goal (>= 10) not reached: 1/10 of the exporter's cycle is {goal_ms:.1f} ms; the "
            f"simulator's marginal cycle is {s['cpu_steady_sim'] * 1000:.1f} ms.")
        if "steady_split_sim" in s:
            user, kernel = (x * 1000 for x in s["steady_split_sim"])
            e_user, e_kernel = (x * 1000 for x in s["steady_split_exporter"])
            where_kernel = (
                "On a TAP the simulator holds no host socket: the kernel's share is the lab server's side of each "
                "connection's TCP, which runs when the simulator writes the frame, and the wake-ups." if tap else
                "The kernel's share is the host network layer: libslirp turns every guest connection into a host "
                "socket, and on loopback the lab server's side of TCP runs in the sender's context.")
            # Each split is counted in whole ticks, and the marginal one is two of them
            # subtracted (the running box's and the idle box's).
            error_ms = 2 * 1000 / CLK_TCK / max(1.0, s.get("steady_cycles_total", 12))
            say(f"  - Kernel time {kernel:.1f} ms per cycle (the exporter's: {e_kernel:.1f} ms), user time "
                f"{user:.1f} ms (the exporter's: {e_user:.1f} ms), each within ±{error_ms:.1f} ms (counted in "
                f"{1000 // CLK_TCK} ms ticks), {s['steady_wakeups_sim']:.0f} more wake-ups "
                f"per cycle than the idle loop. {where_kernel}"
                + (" The kernel time alone is over the goal." if kernel - error_ms > goal_ms else ""))
        if "floor" in s:
            fl = s["floor"]
            say(f"  - The floor (socket_floor: the cycle's sockets and the tls_cert checks' signature "
                f"verifications, no other crypto, no TCP/IP stack of its own) is {fl['cpu_ms']:.1f} ms per cycle "
                f"({fl['signature_ms']:.1f} ms of it the signatures), {fl['wakeups']:.0f} wake-ups: "
                f"{100 * fl['cpu_ms'] / goal_ms:.0f} % of the goal. A client with a TCP/IP stack of its own also "
                f"wakes for every FIN the servers send, which the kernel handles for socket_floor.")
        if "cpu_breakdown" in s or not tap:
            say(f"  - The user-space instructions go to {where}.")
        if "kernel_causes" in s:
            k = s["kernel_causes"]
            say("  - Sampled by perf, kernel included: " + "; ".join(
                f"{c.split(' (')[0]} {v:.1f} %" for c, v in sorted(k.items(), key=lambda kv: -kv[1])[:4])
                + f". {s['kernel_hypervisor']:.1f} % of the samples were the virtual machine's paravirtual "
                "operations, which every wake-up pays.")
        lp = s.get("loop_passes", {})
        if lp.get("timer_run_ms_median") is not None and lp.get("exchange_run_ms_median") is not None:
            n = lp["exchange_passes_per_cycle"]
            line = (f"  - As the scheduler saw it: {n:.0f} wake-ups a cycle after a wait for a server (median wait "
                    f"{lp['exchange_wait_ms_median'] * 1000:.0f} us), {lp['exchange_run_ms_per_cycle']:.2f} ms of run "
                    f"time after them, the median {lp['exchange_run_ms_median'] * 1000:.0f} us. A pass between "
                    f"cycles, with next to nothing to do after half a second asleep, runs "
                    f"{lp['timer_run_ms_median'] * 1000:.0f} us.")
            peer = s.get("wake_peer_us")
            if peer:
                low, high = min(peer.values()), max(peer.values())
                line += (f" A wake-up ended by a server's answer costs {low:.0f}-{high:.0f} us here (`wake_cost "
                         f"--peer`), so the wake-ups themselves are {n * low / 1000:.2f}-{n * high / 1000:.2f} ms of "
                         f"those {lp['exchange_run_ms_per_cycle']:.2f}: the rest is the passes' work (the answers' "
                         "TLS and RSA, lwIP, libslirp, the kernel's side of the host sockets).")
            say(line)
        if "tap" in s:
            t = s["tap"]
            t_user, t_kernel = (x * 1000 for x in t["steady_split_sim"])
            say(f"  - With the lab on a TAP instead (its own window): {t['cpu_steady_sim'] * 1000:.1f} ms marginal "
                f"against the exporter's {t['cpu_steady_exporter'] * 1000:.1f} ms; user {t_user:.1f} ms, kernel "
                f"{t_kernel:.1f} ms, {t['steady_wakeups_sim']:.0f} more wake-ups than its idle loop. What libslirp's host sockets cost is "
                f"the difference; what the TAP leaves in the kernel is the lab server's side of TCP, which the "
                f"exporter's figure holds too.")
        for key, how, ref in (("netlab_slirp", "through libslirp", s), ("netlab", "on a TAP", s.get("tap", {}))):
            if key not in s:
                continue
            t = s[key]
            say(f"  - Against the network lab's real servers instead, {how} (its own window, {t['checks']} checks): "
                f"{t['cpu_steady_sim'] * 1000:.1f} ms marginal against the exporter's "
                f"{t['cpu_steady_exporter'] * 1000:.1f} ms, {t['steady_wakeups_sim']:.0f} more wake-ups than its "
                "idle loop." + _wakeups_per_check(ref, t, how))
    if "rss_sim" in s and float(s["rss_exporter"]) / float(s["rss_sim"]) < 4:
        where = biggest(s["rss_breakdown"]) if "rss_breakdown" in s else "(run --only steady)"
        say(f"- Peak RSS goal (>= 4) not reached: the simulator's resident memory is {where}.")
    say("")


def _wakeups_per_check(ref, netlab, how):
    """The wake-ups each check costs the box beyond its idle loop, the bench's lab
    against the network lab's servers (the same link), when both were measured."""
    if "steady_wakeups_sim" not in ref or "checks" not in ref:
        return ""
    ours, real = ref["steady_wakeups_sim"] / ref["checks"], netlab["steady_wakeups_sim"] / netlab["checks"]
    return (f" Wake-ups per check, {how}: {ours:.2f} against the bench's own lab, {real:.2f} against the real "
            "servers.")


def ratio(a, b):
    return f"{float(a) / float(b):.2f}" if a and b and float(b) > 0 else "-"


def smoke_assert(ctx):
    """The smoke mode's own checks: every claim row measured, the breakdowns ~100 %."""
    s = ctx.summary
    missing = [k for k in ("cpu_steady_sim", "cpu_steady_exporter", "cpu_sim", "cpu_exporter", "rss_sim",
                           "rss_exporter", "icount_cycle", "icount_longest_pass", "icount_longest_frame_wait", "cpu_breakdown", "rss_breakdown", "floor",
                           "wake_cost_us", "wake_peer_us") if k not in s]
    assert not missing, f"bench smoke: not measured: {missing}"
    assert all(v > 0 for v in s["wake_peer_us"].values()), f"bench smoke: wake_cost --peer: {s['wake_peer_us']}"
    for row in s["rows"]:
        assert row[1] not in ("-", "nan", "0.00"), f"bench smoke: row without a figure: {row}"
    for key in ("cpu_breakdown", "rss_breakdown"):
        total = sum(s[key].values())
        assert 99.0 <= total <= 101.0, f"bench smoke: {key} sums to {total:.1f} %"
        assert s[key].get("the firmware's own code (firmware/, hal/, board/)", 0) > 0 or key == "rss_breakdown", s[key]
    assert s["icount_kinds"], "bench smoke: no per-kind instruction counts"
    # The kernel's side is measured wherever perf can sample it (root, as CI runs).
    why_not = kernel_profile.available()
    assert "kernel_causes" in s or why_not, "bench smoke: perf is usable but the kernel phase measured nothing"
    if "kernel_causes" in s:
        total = sum(s["kernel_causes"].values())
        assert 99.0 <= total <= 101.0, f"bench smoke: kernel causes sum to {total:.1f} %"
        assert s["kernel_causes"][kernel_profile.SOCKETS] > 0, s["kernel_causes"]
        assert s.get("loop_passes", {}).get("exchange_passes_per_cycle", 0) > 0, s.get("loop_passes")
    # The peers' checks, derived from the box's result, succeed where the box's did.
    assert s.get("exporter_unexpected") == 0, f"bench smoke: {s.get('exporter_unexpected')} exporter probes not as expected"
    # Both steady windows compared like with like: every check of both sides as expected.
    assert s.get("steady_not_ok") == 0, f"bench smoke: {s.get('steady_not_ok')} checks not ok in the steady window"
    assert s.get("tap", {}).get("steady_not_ok") == 0, f"bench smoke: the TAP window: {s.get('tap')}"
    # The network lab's window wherever the lab can run (root, as CI runs).
    if netlab_bench.netlabtest.skip_reason() is None:
        for key in ("netlab_slirp", "netlab"):
            assert s.get(key, {}).get("steady_not_ok") == 0, f"bench smoke: the {key} window: {s.get(key)}"
    say("bench smoke: every row printed; breakdowns sum to 100 %")


if __name__ == "__main__":
    sys.exit(main())
