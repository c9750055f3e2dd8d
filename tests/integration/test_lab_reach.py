"""`probebox-sim --lab-net` (TEST ONLY, host-sim/lab_reach.h): a box behind libslirp, run
inside a lab's own network namespace, reaches the lab's documentation-range networks at
their own addresses (TCP through libslirp, UDP through the simulator's relay), and no
network it was not given; anywhere else the option is refused before a frame leaves.

The namespace is this test's own (`unshare -n`: it ends with the test's child process;
its addresses sit on its loopback device and on a veth pair whose two ends are both
in it: attached to nothing real)."""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from simtest import SIM, write_config

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = "192.0.2.1"       # given to the box
OTHER = "198.51.100.1"  # also in the namespace, not given: the guard must drop it
TCP_PORT, NTP_PORT = 7777, 10123
CHILD_LIMIT_S = 60


def run_sim(args, timeout=30):
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config({"schema": 1, "checks": [{"id": "a", "type": "tcp", "host": "10.0.2.2", "port": 9}]})
        try:
            return subprocess.run([SIM, "--once", "--config", config, "--flash", os.path.join(tmp, "f.bin"), *args],
                                  capture_output=True, text=True, timeout=timeout)
        finally:
            os.unlink(config)


class Refused(unittest.TestCase):
    def test_refused_in_the_machines_own_namespace_before_anything_runs(self):
        began = time.monotonic()
        proc = run_sim(["--lab-net", "192.0.2.0/24"])
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("--lab-net refused", proc.stderr)
        self.assertIn("own network namespace", proc.stderr)
        self.assertEqual(proc.stdout.strip(), "")  # no cycle ran
        self.assertLess(time.monotonic() - began, 10)

    def test_only_documentation_networks_are_taken(self):
        for net in ("10.0.0.0/8", "192.0.2.0/23", "198.51.101.0/24", "8.8.8.0/24", "192.0.2.1/24"):
            proc = run_sim(["--lab-net", net])
            self.assertNotEqual(proc.returncode, 0, net)
            self.assertIn("--lab-net takes", proc.stderr, net)


def sntp_answer(query):
    now = time.time() + 2208988800
    stamp = struct.pack("!II", int(now) & 0xFFFFFFFF, int((now % 1) * (1 << 32)) & 0xFFFFFFFF)
    return (struct.pack("!BBbb", 4 << 3 | 4, 2, 6, -20) + struct.pack("!II", 0, 0) + b"LOCL" + stamp
            + query[40:48] + stamp + stamp)


def inside_namespace(sim):
    """Runs in the child `unshare -n` made: the lab's addresses on loopback, a TCP
    listener and an SNTP server on each, the box --once; prints its result and what
    each server saw."""
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", f"{LAB}/32", "dev", "lo"],
                ["ip", "addr", "add", f"{OTHER}/32", "dev", "lo"]):
        subprocess.run(cmd, check=True, timeout=10)
    seen = {LAB: 0, OTHER: 0, "ntp": 0}
    stop = threading.Event()
    listeners = []
    for address in (LAB, OTHER):
        s = socket.socket()
        s.bind((address, TCP_PORT))
        s.listen(16)
        s.settimeout(0.2)
        listeners.append((address, s))
    ntp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ntp.bind((LAB, NTP_PORT))
    ntp.settimeout(0.2)

    def accept(address, s):
        while not stop.is_set():
            try:
                conn, _ = s.accept()
            except OSError:
                continue
            seen[address] += 1
            conn.close()

    def answer():
        while not stop.is_set():
            try:
                data, peer = ntp.recvfrom(512)
            except OSError:
                continue
            if len(data) >= 48:
                seen["ntp"] += 1
                ntp.sendto(sntp_answer(data), peer)

    threads = [threading.Thread(target=accept, args=pair, daemon=True) for pair in listeners]
    threads.append(threading.Thread(target=answer, daemon=True))
    for t in threads:
        t.start()
    doc = {"schema": 1, "network": {"mode": "dhcp", "ntp": [f"{LAB}:{NTP_PORT}"]},
           "defaults": {"timeout_ms": 1500},
           "checks": [{"id": "lab-tcp", "type": "tcp", "host": LAB, "port": TCP_PORT},
                      {"id": "lab-ntp", "type": "ntp", "server": f"{LAB}:{NTP_PORT}"},
                      {"id": "other-tcp", "type": "tcp", "host": OTHER, "port": TCP_PORT}]}
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump(doc, f)
        args = [sim, "--once", "--config", config, "--flash", os.path.join(tmp, "f.bin"), "--lab-net", "192.0.2.0/24"]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=45)
        stop.set()
        for t in threads:
            t.join(1)
        # A route out (here through a veth pair with both ends in this namespace,
        # which leads nowhere real): refused.
        for cmd in (["ip", "link", "add", "pbv0", "type", "veth", "peer", "name", "pbv1"],
                    ["ip", "link", "set", "pbv0", "up"], ["ip", "link", "set", "pbv1", "up"],
                    ["ip", "addr", "add", "203.0.113.9/24", "dev", "pbv0"],
                    ["ip", "route", "add", "default", "via", "203.0.113.254"]):
            subprocess.run(cmd, check=True, timeout=10)
        routed = subprocess.run(args, capture_output=True, text=True, timeout=45)
    print(json.dumps({"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr[-3000:], "seen": seen,
                      "routed_code": routed.returncode, "routed_stderr": routed.stderr[-3000:]}))


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip"),
                     "a network namespace of the test's own needs root, unshare and ip")
class InALabNamespace(unittest.TestCase):
    def test_the_lab_network_given_is_reached_at_its_own_addresses_and_no_other(self):
        child = subprocess.run(["unshare", "-n", sys.executable, "-c",
                                f"import sys; sys.path.insert(0, {HERE!r}); import test_lab_reach as t; "
                                f"t.inside_namespace({SIM!r})"],
                               capture_output=True, text=True, timeout=CHILD_LIMIT_S)
        self.assertEqual(child.returncode, 0, child.stderr)
        got = json.loads(child.stdout.strip().splitlines()[-1])
        self.assertNotIn("--lab-net refused", got["stderr"])
        checks = {c["id"]: c for c in json.loads(got["stdout"])["checks"]}
        self.assertEqual(checks["lab-tcp"]["status"], "ok", checks["lab-tcp"])
        self.assertEqual(checks["lab-ntp"]["status"], "ok", checks["lab-ntp"])
        self.assertEqual(checks["other-tcp"]["status"], "critical", checks["other-tcp"])
        self.assertGreaterEqual(got["seen"][LAB], 1)
        self.assertGreaterEqual(got["seen"]["ntp"], 1)
        self.assertEqual(got["seen"][OTHER], 0)  # dropped by the guard, never reached

        self.assertNotEqual(got["routed_code"], 0)
        self.assertIn("--lab-net refused: its network namespace has a default route", got["routed_stderr"])


if __name__ == "__main__":
    unittest.main()
