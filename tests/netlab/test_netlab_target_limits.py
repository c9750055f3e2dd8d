"""The simulator built with the Cortex-M4's capacities (lwIP's 8 KiB heap, three web
connections: PROBEBOX_SIM_TARGET_LIMITS) on the lab's TAP, where a client's TCP window
reaches the box as it would on the appliance's network (libslirp acknowledges and
buffers for its guest, so the integration suites cannot see this). Needs root, like
every netlab test."""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

import netlabtest as nt

TARGET_SIM = os.environ.get("PROBEBOX_SIM_TARGET_LIMITS", "")
FLOOD_S = 30
HOLD_S = 20
READERS = 3  # every web connection the target has

# Readers on the lab's segment that ask for /metrics and never read: each opens a
# small receive window, so the box's answer stops in its own send queue. First a
# flood for `flood` seconds: `n` at once, then a new one every 1.5 s. Then, for `hold`
# seconds, no new one, the last ones still held ("held" is printed between). None is
# ever closed: the box's reset of a dropped one falls outside the shut window and is
# ignored, as an attacker would wish.
STALLED_READERS = r"""
import socket, sys, time
host, flood, hold, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
held = []
end = time.monotonic() + flood
while time.monotonic() < end:
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.settimeout(3)
        s.connect((host, 80))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: box\r\n\r\n")
        held.append(s)
    except OSError:
        pass
    if len(held) >= n:
        time.sleep(1.5)
print("held", flush=True)
time.sleep(hold)
print(len(held))
"""

# One client takes the box's one HTTPS session and asks nothing; others connect to the
# HTTPS port meanwhile and send one-byte segments, which wait unread for the session:
# `tiny` each; then one that sends more than any client needs to have waiting.
TINY_SEGMENTS = r"""
import socket, ssl, sys, time
host, rounds, tiny = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
held, sent = [], 0
for r in range(rounds):
    held.append(ctx.wrap_socket(socket.create_connection((host, 443), timeout=5)))
    for _ in range(2):
        b = socket.create_connection((host, 443), timeout=5)
        b.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        held.append(b)
        for _ in range(tiny):
            b.send(b"\x16")
            sent += 1
            time.sleep(0.01)
for s in held:
    s.close()
time.sleep(0.5)
# The session taken again, by a client that stays; one more sends a byte at a time
# until the box drops it, or 6000 (more than the box's window).
keeper = ctx.wrap_socket(socket.create_connection((host, 443), timeout=5))
last = socket.create_connection((host, 443), timeout=5)
last.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
last_sent = 0
try:
    for _ in range(6000):
        last.send(b"\x16")
        last_sent += 1
        time.sleep(0.001)
except OSError:
    pass
print(sent, last_sent)
"""

# SYNs to the web ports from forged addresses on the segment (192.0.2.200-250, which
# no host of the lab has): each leaves a half-open connection that waits 20 s for an
# ACK that never comes, in the listeners' backlogs.
SYN_FLOOD = r"""
import random, socket, struct, sys, time
host, seconds, rate = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
dst = socket.inet_aton(host)
end, sent = time.monotonic() + seconds, 0
while time.monotonic() < end:
    src = socket.inet_aton("192.0.2.%d" % random.randint(200, 250))
    tcp = struct.pack("!HHIIBBHHH", random.randint(1024, 65535), random.choice((80, 443)), random.getrandbits(32),
                      0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", checksum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    raw.sendto(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), sent & 0xFFFF, 0, 64, 6, 0, src, dst) + tcp,
               (host, 0))
    sent += 1
    time.sleep(1.0 / rate)
print(sent)
"""


def setUpModule():
    nt.require_lab()
    if not TARGET_SIM or not os.access(TARGET_SIM, os.X_OK):
        raise RuntimeError("PROBEBOX_SIM_TARGET_LIMITS does not name the simulator built with the target's limits")


def checks_128():
    """The appliance's checks on their real ports, then copies of the mesh ports up to
    the target's 128."""
    checks, copy = nt.appliance_checks(), 0
    while len(checks) < 128:
        for k, ip in nt.NODES.items():
            for port in nt.MESH:
                if len(checks) < 128:
                    checks.append({"id": f"x{copy}-{k}-{port}", "type": "tcp", "host": ip, "port": port})
        copy += 1
    return checks


class TargetLimitsOnTheLab(nt.LabTestCase):
    def healthy_box(self, tmp):
        """The target-limits simulator on the lab's TAP with 128 checks every 5 s and
        `confirm: 1` (every result that is not ok is an event), after its first cycle;
        returns the first-boot password."""
        doc = nt.config(self.lab, checks_128())
        doc["defaults"].update({"interval_s": 5, "confirm": 1})
        path = os.path.join(tmp, "c.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        proc = subprocess.Popen(["ip", "netns", "exec", self.lab.switch, TARGET_SIM, "--net", f"tap:{self.lab.tap}",
                                 "--panel", "none", "--flash", os.path.join(tmp, "f.bin"), "--config", path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(timeout=10)))
        password, deadline = None, time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            if "first-boot password" in line:
                password = line.rsplit(":", 1)[1].strip()
            if "web UI and API on" in line:
                break
        self.assertIsNotNone(password, "no first-boot password on the console")
        # The console keeps talking (events): drained, so the box never blocks on it.
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
        deadline = time.monotonic() + 60
        while self.healthz() != "200":
            self.assertLess(time.monotonic(), deadline, "the box never answered /healthz")
            time.sleep(1)
        time.sleep(8)  # a first cycle: every check has a verdict
        return password

    def in_client(self, script, *args, timeout):
        r = self.lab.in_client(nt.DEBIAN_PYTHON, "-c", script, nt.netlab.STATIC_BOX, *map(str, args), timeout=timeout)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def diagnostics_with_no_verdict_moved(self, password, what):
        """Logs in over HTTPS (the box's session free again) and returns the
        diagnostics, once the event log shows that no check left ok during `what`."""
        got = json.loads(self.in_client(nt.READ_BOX, password, timeout=40))
        not_ok = [(e["check"], e["from"], e["to"], e.get("summary", "")) for e in got["/api/events"]["events"]
                  if e["to"] != "ok" or e["from"] not in ("none", "ok")]
        self.assertEqual(not_ok, [], f"a check's verdict moved during {what}")
        return got["/api/diagnostics"]

    def healthz(self):
        r = self.lab.in_client("curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                               f"http://{nt.netlab.STATIC_BOX}/healthz", timeout=15)
        return r.stdout.strip()

    def test_readers_that_stop_reading_never_take_the_probes_memory(self):
        # Before the web server kept to its share of lwIP's heap, three such readers
        # held 8,160 of its 8,192 bytes: every probe that needed a byte of it in that
        # time ended unknown ("no memory to send"), on a healthy lab.
        with tempfile.TemporaryDirectory() as tmp:
            password = self.healthy_box(tmp)
            readers = subprocess.Popen(["ip", "netns", "exec", self.lab.state["client_namespace"], nt.DEBIAN_PYTHON,
                                        "-c", STALLED_READERS, nt.netlab.STATIC_BOX, str(FLOOD_S), str(HOLD_S),
                                        str(READERS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # An operator's requests during the flood: a reader that keeps coming can
            # take every connection (a new one each 1.5 s), so these are shown, not judged.
            in_flood = []
            time.sleep(4)
            while readers.poll() is None and len(in_flood) < 6:
                in_flood.append(self.healthz())
                time.sleep(3)
            self.assertEqual(readers.stdout.readline().strip(), "held", readers.stderr.read() if readers.poll() else "")
            # With the readers that are left still holding their answers, each request
            # is answered: it takes a stalled reader's connection and, within two
            # seconds, the heap that one held.
            time.sleep(5)
            answered = []
            for _ in range(4):
                answered.append(self.healthz())
                time.sleep(2)
            out, err = readers.communicate(timeout=HOLD_S + 30)
            self.assertEqual(readers.returncode, 0, err)
            opened = int(out.strip())
            time.sleep(6)  # a cycle after the readers
            diag = self.diagnostics_with_no_verdict_moved(password, "the readers' stall")
        heap, web = diag["lwip_heap"], diag["web"]
        print(f"\n  {opened} stalled /metrics readers in {FLOOD_S} s; lwIP heap high-water {heap['max']} of "
              f"{heap['avail']} bytes, {heap['err']} refused; /healthz in the flood: {in_flood}, "
              f"after it: {answered}; web: {web}", flush=True)
        self.assertGreaterEqual(opened, READERS + 10, "the readers kept coming")
        # The readers did bring the server to the probes' reserve (else this proves nothing).
        self.assertGreater(web["heap_waits"], 0, web)
        self.assertEqual(heap["err"], 0, "lwIP's heap refused an allocation")
        self.assertEqual(answered, ["200"] * 4, "an operator's /healthz went unanswered while readers stalled")

    def test_tiny_segments_that_wait_unread_never_take_the_receive_pool(self):
        # Before, each segment that waited for the HTTPS session kept a buffer of
        # lwIP's receive pool (14 on the target), however small: one client held them
        # all, every frame after was dropped, probes' replies included, and dozens of
        # checks went critical on a healthy lab.
        with tempfile.TemporaryDirectory() as tmp:
            password = self.healthy_box(tmp)
            sent, last_sent = (int(v) for v in self.in_client(TINY_SEGMENTS, 3, 120, timeout=120).split())
            time.sleep(6)
            diag = self.diagnostics_with_no_verdict_moved(password, "the tiny segments")
        pool, web = diag["pbuf_pool"], diag["web"]
        print(f"\n  {sent} one-byte segments waited; the last client dropped after {last_sent}; receive pool "
              f"high-water {pool['max']} of {pool['avail']}, {pool['err']} frames without a buffer; web: {web}",
              flush=True)
        # The waiting bytes did outgrow the frames a connection may hold (else this proves nothing).
        self.assertGreater(web["receive_stashed"], 0, web)
        # Dropped once its connection's buffer (1,536 bytes) and three pool buffers were
        # taken: the box's receive window alone would have let it send 5,840.
        self.assertGreaterEqual(last_sent, 1536)
        self.assertLess(last_sent, 5840, "a client with more waiting than any needs is dropped")
        self.assertEqual(pool["err"], 0, "a frame found the receive pool empty")

    def test_a_syn_flood_from_forged_addresses_moves_no_verdict(self):
        # The listeners' backlogs fill with half-open connections that hold a pcb each
        # for 20 s: the pcb pool counts them (net/lwipopts.h), so no probe goes without.
        with tempfile.TemporaryDirectory() as tmp:
            password = self.healthy_box(tmp)
            syns = int(self.in_client(SYN_FLOOD, 30, 50, timeout=90))
            time.sleep(22)  # the last half-open connections time out: the login finds a backlog slot
            diag = self.diagnostics_with_no_verdict_moved(password, "the SYN flood")
        pcbs = diag["tcp_pcb"]
        print(f"\n  {syns} forged SYNs in 30 s; tcp pcb high-water {pcbs['max']} of {pcbs['avail']}, "
              f"{pcbs['err']} refused", flush=True)
        self.assertGreater(syns, 500)
        self.assertEqual(pcbs["err"], 0, "a pcb was refused")

if __name__ == "__main__":
    unittest.main()
