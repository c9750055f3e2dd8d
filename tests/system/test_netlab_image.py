"""The mps2-an386 image on the network lab: QEMU's lan9118 on the lab's TAP
(`-nic tap,…,model=lan9118`), DHCP from the lab, the appliance's checks against the
real servers on their real ports, and the same verdicts as the simulator on the
same lab, check by check, healthy and with faults (issue 18). Needs root, like the
netlab label; without it one "netlab: skipped" line."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "netlab"))
import netlabtest as nt  # noqa: E402

IMAGE = os.environ.get("PROBEBOX_IMAGE", "")


def setUpModule():
    nt.require_lab()
    if not IMAGE or not os.path.exists(IMAGE):
        raise RuntimeError("PROBEBOX_IMAGE does not name the image")


def run_image_on_lab(lab, doc, timeout=240):
    """Boots the image in the lab's switch namespace on its TAP: (exit code, document, console)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        # QEMU only inside the namespace: outside it would make a TAP in the caller's.
        cmd = ["ip", "netns", "exec", lab.switch, "qemu-system-arm", "-M", "mps2-an386", "-nographic",
               "-monitor", "none", "-semihosting-config", "enable=on,target=native", "-kernel", IMAGE,
               "-serial", "stdio", "-serial", f"file:{tmp}/lcd.txt",
               "-nic", f"tap,ifname={lab.tap},script=no,downscript=no,model=lan9118",
               "-append", f"--once --config {path}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    return proc.returncode, json.loads(line[len("RESULT "):]) if line else None, proc.stdout + proc.stderr


class ImageOnTheLab(nt.LabTestCase):
    def config(self):
        # The emulated M4 does RSA in software: a longer timeout than the simulator's
        # 3 s, for both, so the two run the same config.
        doc = nt.config(self.lab, nt.appliance_checks(), nt.dhcp_network())
        doc["defaults"]["timeout_ms"] = 8000
        return doc

    def assert_same_verdicts(self, doc):
        code, image, console = run_image_on_lab(self.lab, doc)
        self.assertIsNotNone(image, console[-3000:])
        sim_code, sim, err = self.lab.run_box(doc, timeout=120)
        self.assertIsNotNone(sim, err)
        self.assertEqual([c["id"] for c in image["checks"]], [c["id"] for c in sim["checks"]])
        for a, b in zip(image["checks"], sim["checks"]):
            self.assertEqual((a["id"], a["status"]), (b["id"], b["status"]), a["summary"] + " | " + b["summary"])
            if a["type"] == "tcp":
                self.assertEqual(a["details"].get("state"), b["details"].get("state"), a["id"])
            if a["type"] == "tls_cert":  # the image's clock came from the lab's chronyd
                self.assertEqual(a["details"].get("sha256"), b["details"].get("sha256"), a["id"])
                self.assertEqual(a["details"].get("days_left"), b["details"].get("days_left"), a["id"])
            if a["type"] == "dns":
                self.assertEqual(a["details"].get("addresses"), b["details"].get("addresses"), a["id"])
            if a["type"] == "http":
                self.assertEqual(a["details"].get("http_status"), b["details"].get("http_status"), a["id"])
        self.assertEqual(code, sim_code)
        self.assertIn("on mps2-an386", console)
        return {c["id"]: c["status"] for c in image["checks"]}

    def test_healthy_lab_same_verdicts_as_the_simulator(self):
        got = self.assert_same_verdicts(self.config())
        self.assertEqual({i: s for i, s in got.items() if s != "ok"}, {})
        # The image took a lease from the lab's dnsmasq with QEMU's MAC.
        with open(f"{self.lab.dir}/run/dnsmasq.leases") as f:
            self.assertIn("52:54:00:12:34:56", f.read())

    def test_faults_same_verdicts_as_the_simulator(self):
        # Only faults whose verdicts do not hang on haproxy's round robin (both boxes
        # must see the same thing).
        faults = [("node:2", "down", "up"), ("mesh:3:8721", "reject", "open"), ("dev", "open", "drop"),
                  ("dns", "wrong", "ok"), ("smtp", "noplain", "ok"), ("testall:1", "fail", "ok")]
        for fault, value, _ in faults:
            self.lab.set(fault, value)
        try:
            got = self.assert_same_verdicts(self.config())
        finally:
            for fault, _, healthy in faults:
                self.lab.set(fault, healthy)
        self.assertEqual(got["n2-7777"], "critical")
        self.assertEqual(got["n3-8721"], "critical")
        self.assertEqual(got["dev-443"], "critical")
        self.assertEqual(got["dns-manage"], "critical")
        self.assertEqual(got["smtp"], "critical")
        self.assertEqual(got["n1-testall"], "critical")


if __name__ == "__main__":
    unittest.main()
