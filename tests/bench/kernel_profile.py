"""Where a process's CPU goes, the kernel's side included: `perf record` of a running
process, each sample given to one cause by its call chain. callgrind sees only the
user-space instructions; on this kind of machine most of a steady cycle's CPU is the
kernel's (the host sockets, the sleeps and wake-ups, and until the simulator pooled
them, libslirp's socket buffers mapped and unmapped), so the bench names those causes
too."""
import os
import re
import signal
import statistics
import subprocess
import time

# The causes a sample can have, one each (cause() below says how it is chosen).
MEMORY = "kernel: mapping and unmapping memory (mmap, munmap and its TLB shootdown, page faults)"
SOCKETS = "kernel: host sockets (connect, send, receive, close: TCP/IP on loopback, both ends)"
SLEEP = "kernel: sleeping and waking up (epoll_wait, epoll_ctl, the scheduler)"
OTHER_SYSCALL = "kernel: other system calls"
INTERRUPT = "kernel: interrupts and timers taken while running"
USER_SIM = "user space: the simulator's binary (firmware, mbedTLS, lwIP, host glue)"
USER_SLIRP = "user space: libslirp and glib"
USER_LIBC = "user space: libc and other libraries"
CAUSES = (MEMORY, SOCKETS, SLEEP, OTHER_SYSCALL, INTERRUPT, USER_SIM, USER_SLIRP, USER_LIBC)

MEMORY_CALLS = {"mmap", "munmap", "mremap", "brk", "madvise", "mprotect"}
SOCKET_CALLS = {"connect", "sendto", "sendmsg", "send", "write", "writev", "recv", "recvfrom", "recvmsg", "read", "readv",
                "close", "shutdown", "socket", "setsockopt", "getsockopt", "fcntl", "getsockname", "getpeername",
                "accept", "accept4", "bind", "listen"}
SLEEP_CALLS = {"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll", "select", "pselect6",
               "nanosleep", "clock_nanosleep"}
PAGE_FAULT_FRAMES = {"exc_page_fault", "asm_exc_page_fault", "handle_mm_fault"}
# glibc's own paths for a block above its mmap threshold: it maps the block and writes
# its header (the first touch of a fresh page), and unmaps it when freed.
MALLOC_MAPPING = {"sysmalloc_mmap", "munmap_chunk"}
SYSCALL_FRAME = re.compile(r"^__(?:x64|ia32|do)_sys_(\w+)$")
# The paravirtual operations a guest calls instead of privileged instructions (pvm_*,
# kvm_*, xen_*): time spent there is the virtual machine's price of the operation.
HYPERVISOR_FRAME = re.compile(r"^(?:__raw_callee_save_)?(?:pvm|kvm|xen|hv)_")


def call_name(sym):
    """The system call a libc wrapper makes (__libc_connect, __send, __mmap), or the name."""
    name = re.sub(r"^(?:__libc_|_+)", "", re.sub(r"[.@].*$", "", sym))
    return re.sub(r"(?:64)?(?:_nocancel\w*)?$", "", name)


def by_call(name):
    if name in MEMORY_CALLS:
        return MEMORY
    if name in SOCKET_CALLS:
        return SOCKETS
    if name in SLEEP_CALLS:
        return SLEEP
    return OTHER_SYSCALL


def cause(frames):
    """The cause of one sample. frames: [(symbol, dso)], the sampled frame first.

    A sample in the scheduler is a sleep or a wake-up whatever the call; one in a
    system call's entry or exit (no sys_ frame below it) counts for the call its
    user-space caller makes; and under a virtual machine the kernel's exit is often
    sampled at the user-space instruction after the call, so a sample in a libc
    system-call wrapper counts for that call too."""
    if not frames:
        return USER_LIBC
    kernel = [sym for sym, dso in frames if dso == "[kernel.kallsyms]"]
    user = [(sym, dso) for sym, dso in frames if dso != "[kernel.kallsyms]"]
    if frames[0][1] == "[kernel.kallsyms]":
        if any(sym == "__schedule" or sym.startswith("finish_task_switch") for sym in kernel):
            return SLEEP
        for sym in kernel:
            call = SYSCALL_FRAME.match(sym)
            if call:
                return by_call(call.group(1))
            if sym in PAGE_FAULT_FRAMES:
                return MEMORY
        if "do_syscall_64" in kernel and user:
            return by_call(call_name(user[0][0]))
        return INTERRUPT
    name = call_name(frames[0][0])
    if name in MEMORY_CALLS | SOCKET_CALLS | SLEEP_CALLS:
        return by_call(name)
    if name in MALLOC_MAPPING:
        return MEMORY
    dso = os.path.basename(frames[0][1])
    if dso.startswith(("libslirp", "libglib")):
        return USER_SLIRP
    if dso.startswith(("lib", "ld-linux", "[")):
        return USER_LIBC
    return USER_SIM


def in_hypervisor(frames):
    """True when the sample was taken inside a paravirtual operation."""
    return bool(frames) and frames[0][1] == "[kernel.kallsyms]" and bool(HYPERVISOR_FRAME.match(frames[0][0]))


FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$")


def parse_timed(text):
    """The samples of `perf script -F comm,tid[,time],period,ip,sym,dso`:
    [(time_s or None, period, frames)]."""
    samples, frames, period, at = [], None, 0, None
    for line in text.splitlines():
        if not line.strip():
            if frames is not None:
                samples.append((at, period, frames))
            frames = None
            continue
        if frames is None:
            parts = line.split()
            at = float(parts[2][:-1]) if len(parts) > 3 and parts[2].endswith(":") else None
            field = parts[3] if at is not None else (parts[2] if len(parts) > 2 else "")
            period = int(field) if field.isdigit() else 1
            frames = []
            continue
        m = FRAME.match(line)
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            frames.append((sym, m.group(2)))
    if frames is not None:
        samples.append((at, period, frames))
    return samples


def parse_script(text):
    """The samples of `perf script -F comm,tid,period,ip,sym,dso`: [(period, frames)]."""
    return [(period, frames) for _, period, frames in parse_timed(text)]


# A sample belongs to the cycle when its time within the interval falls in a bin this
# many times as full as the median bin: the cycle is one burst of about 12 ms, and
# between cycles the loop wakes twice a second for a fraction of a millisecond.
CYCLE_BIN_S = 0.1
CYCLE_BIN_FACTOR = 5


def split_cycle(timed, interval_s):
    """(the cycle's samples, the samples between cycles), each [(period, frames)], from
    timed samples of a box whose cycles start every interval_s: the samples are binned by
    their time within the interval, and the bins far fuller than the median one hold the
    cycle. The marginal figure takes the loop between cycles off; this shows what is left."""
    bins = max(1, int(round(interval_s / CYCLE_BIN_S)))

    def bin_of(at):
        return int((at % interval_s) / CYCLE_BIN_S) % bins

    weight = [0] * bins
    for at, period, _ in timed:
        if at is not None:
            weight[bin_of(at)] += period
    used = sorted(w for w in weight if w > 0)
    floor = used[len(used) // 2] * CYCLE_BIN_FACTOR if used else 0
    burst = {i for i, w in enumerate(weight) if w > floor}
    cycle, between = [], []
    for at, period, frames in timed:
        (cycle if at is not None and bin_of(at) in burst else between).append((period, frames))
    return cycle, between


def shares(samples):
    """{cause: % of the sampled CPU} over every cause, and the % sampled inside a
    paravirtual operation (which also counts under its cause)."""
    total = sum(p for p, _ in samples) or 1
    by = {c: 0 for c in CAUSES}
    hyper = 0
    for period, frames in samples:
        by[cause(frames)] += period
        if in_hypervisor(frames):
            hyper += period
    return {c: 100 * v / total for c, v in by.items()}, 100 * hyper / total


def available():
    """None when perf can sample a process's kernel side here, else why not."""
    try:
        out = subprocess.run(["perf", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"no perf ({e}): install linux-perf"
    if out.returncode != 0:
        return f"perf does not run: {out.stderr.strip()[:200]}"
    try:
        with open("/proc/sys/kernel/perf_event_paranoid") as f:
            paranoid = int(f.read())
    except OSError:
        paranoid = 2
    if paranoid > 1 and os.geteuid() != 0:
        return f"perf_event_paranoid is {paranoid}: kernel samples need root or a value of 1 or less"
    return None


def record(pid, seconds, out, hz=4999):
    """Samples pid (every thread, with call chains) for `seconds`; returns its samples,
    [(time_s, period, frames)] (parse_timed)."""
    proc = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(hz), "-g", "-p", str(pid),
                             "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(seconds)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise RuntimeError("perf record did not stop within 60 s of SIGINT")
    if proc.returncode not in (0, -signal.SIGINT) or not os.path.exists(out):
        raise RuntimeError(f"perf record exit {proc.returncode}: {err.strip()[:300]}")
    script = subprocess.run(["perf", "script", "-i", out, "-F", "comm,tid,time,period,ip,sym,dso"],
                            capture_output=True, text=True, timeout=300)
    if script.returncode != 0:
        raise RuntimeError(f"perf script exit {script.returncode}: {script.stderr.strip()[:300]}")
    return parse_timed(script.stdout)


# --- the loop's passes, one by one: `perf sched` ------------------------------------
#
# The sampled causes above say what the CPU was doing; they cannot say how many times
# the process woke to do it. A pass here is one stretch on the CPU between a wake-up and
# the next sleep, as the scheduler saw it: `perf sched timehist` gives each with the
# time asleep before it and the time it ran.

# A pass after a sleep shorter than this belongs to a cycle's exchanges (the lab
# servers answer within milliseconds; the loop's busy pace is 50 ms); a longer sleep
# ends between cycles, on a timer.
EXCHANGE_WAIT_MS = 100.0

TIMEHIST_LINE = re.compile(r"^\s*(\d+\.\d+)\s+\[\d+\]\s+\S+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s*$")


def parse_timehist(text):
    """The passes of `perf sched timehist --pid PID --state`: [(time_s, wait_ms, run_ms,
    state)], state as the scheduler left the task (S asleep, R preempted, ...)."""
    passes = []
    for line in text.splitlines():
        m = TIMEHIST_LINE.match(line)
        if m:
            passes.append((float(m.group(1)), float(m.group(2)), float(m.group(4)), m.group(5)))
    return passes


def pass_figures(passes, cycles):
    """What a steady window's passes say, per cycle: how many, how many were a cycle's
    exchanges (woken after a short sleep) and what those ran, the median pass of each
    kind, the median sleep before an exchange pass, and how many passes ended
    preempted. A pass after a preemption is the same piece of work resumed, not a
    wake-up: it counts with its preempted part, never as a pass of its own. The
    window's first pass is dropped: its sleep began before the window did."""
    merged = []
    for i, p in enumerate(passes[1:], start=1):
        if passes[i - 1][3] == "R" and merged:
            t, wait, run, _ = merged[-1]
            merged[-1] = (t, wait, run + p[2], p[3])
        else:
            merged.append(p)
    preempted = sum(1 for p in passes[1:] if p[3] == "R")
    exchange = [p for p in merged if p[1] < EXCHANGE_WAIT_MS]
    timer = [p for p in merged if p[1] >= EXCHANGE_WAIT_MS]

    def median(xs):
        # The upper median: always a pass that happened, never the mean of two.
        return statistics.median_high(xs) if xs else None

    cycles = max(cycles, 1e-9)
    return {
        "passes_per_cycle": len(merged) / cycles,
        "exchange_passes_per_cycle": len(exchange) / cycles,
        "exchange_run_ms_per_cycle": sum(p[2] for p in exchange) / cycles,
        "exchange_run_ms_median": median([p[2] for p in exchange]),
        "exchange_wait_ms_median": median([p[1] for p in exchange]),
        "timer_passes_per_cycle": len(timer) / cycles,
        "timer_run_ms_median": median([p[2] for p in timer]),
        "preempted_per_cycle": preempted / cycles,
    }


def record_passes(pid, seconds, out):
    """The scheduler's view of pid for `seconds` (`perf sched record`, every CPU, then
    timehist for pid): [(time_s, wait_ms, run_ms, state)]."""
    rec = subprocess.run(["perf", "sched", "record", "-o", out, "--", "sleep", str(seconds)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=seconds + 120)
    if rec.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"perf sched record exit {rec.returncode}: {rec.stderr.strip()[:300]}")
    hist = subprocess.run(["perf", "sched", "timehist", "-i", out, "--pid", str(pid), "--state"],
                          capture_output=True, text=True, timeout=300)
    if hist.returncode != 0:
        raise RuntimeError(f"perf sched timehist exit {hist.returncode}: {hist.stderr.strip()[:300]}")
    return parse_timehist(hist.stdout)
