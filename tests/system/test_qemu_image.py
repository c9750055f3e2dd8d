"""The mps2-an386 image under QEMU: boots, gets an address by DHCP, runs the checks,
and its verdicts match the simulator's on the same lab, check by check (issue 6)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from simtest import HOST, Listener, free_port, lab_session, run_once  # noqa: E402

IMAGE = os.environ.get("PROBEBOX_IMAGE", "")


def run_image(doc, timeout=90):
    """Boots the image with the config; returns (exit code, result document, console)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
               "-semihosting-config", "enable=on,target=native", "-kernel", IMAGE,
               "-serial", "stdio", "-serial", f"file:{tmp}/lcd.txt",
               # Resolvers come from the config; the guest never uses slirp's forwarder.
               "-nic", "user,model=lan9118,net=10.0.2.0/24,host=10.0.2.2,ipv6=off",
               "-append", f"--config {path} --once"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    doc_line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    result = json.loads(doc_line[len("RESULT "):]) if doc_line else None
    return proc.returncode, result, proc.stdout + proc.stderr


class QemuImage(unittest.TestCase):
    def test_verdicts_match_the_simulator(self):
        listener = Listener()
        try:
            doc = {"schema": 1, "device": {"name": "probe-qemu"}, "defaults": {"timeout_ms": 3000},
                   "checks": [
                       {"id": "open", "type": "tcp", "host": HOST, "port": listener.port},
                       {"id": "closed", "type": "tcp", "host": HOST, "port": free_port()},
                       {"id": "isolated", "type": "tcp", "host": HOST, "port": free_port(), "expect": "closed"},
                       {"id": "leak", "type": "tcp", "host": HOST, "port": listener.port, "expect": "closed"},
                   ]}
            code, image, console = run_image(doc)
            self.assertIsNotNone(image, console)
            self.assertEqual(code, 2, console)
            sim_code, sim, err = run_once(doc)
            self.assertEqual(sim_code, code, err)
            self.assertEqual(image["overall"], sim["overall"])
            for a, b in zip(image["checks"], sim["checks"]):
                self.assertEqual((a["id"], a["status"], a["details"], a["group"], a["target"]),
                                 (b["id"], b["status"], b["details"], b["group"], b["target"]))
            self.assertEqual([c["status"] for c in image["checks"]], ["ok", "critical", "ok", "critical"])
            self.assertIn("on mps2-an386", console)
        finally:
            listener.close()

    def test_tls_on_the_target_and_an_unset_clock(self):
        # The board boots with no wall clock: certificate dates cannot be judged, so the
        # verdict is unknown, while the chain and names are still judged.
        lab = lab_session(self)
        try:
            tls = lab.ports["tls"]
            doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 8000},
                   "checks": [{"id": "cert", "type": "tls_cert", "host": HOST, "port": tls["scenarios"]["good"]["port"],
                               "server_name": "manage.lab.test", "names": ["manage.lab.test"]},
                              {"id": "no-intermediate", "type": "tls_cert", "host": HOST,
                               "port": tls["scenarios"]["no-intermediate"]["port"], "server_name": "manage.lab.test"}]}
            code, image, console = run_image(doc, timeout=180)
            self.assertIsNotNone(image, console)
            checks = {c["id"]: c for c in image["checks"]}
            self.assertEqual(checks["cert"]["status"], "unknown", checks["cert"]["summary"])
            self.assertIn("not synchronised", checks["cert"]["summary"])
            self.assertTrue(checks["cert"]["details"]["chain_complete"])
            self.assertTrue(checks["cert"]["details"]["trusted"])
            self.assertIsNone(checks["cert"]["details"]["days_left"])
            self.assertEqual(checks["cert"]["details"]["sha256"], tls["scenarios"]["good"]["sha256"])
            self.assertEqual(checks["no-intermediate"]["status"], "critical")
        finally:
            lab.down()

    def test_bad_config_stops_with_status_3(self):
        code, image, console = run_image({"schema": 1, "checks": [{"id": "x", "type": "tcp", "port": 1}]})
        self.assertEqual(code, 3, console)
        self.assertIsNone(image)
        self.assertIn("checks[0].host", console)


if __name__ == "__main__":
    unittest.main()
