"""The web UI in headless Chromium (tests/browser/ui_test.mjs) against the simulator
running the demo lab's appliance profile. Needs node, playwright-core
(tests/browser, installed by scripts/setup) and Debian's chromium: a missing one is
a failure, not a skip."""
import json
import os
import shutil
import subprocess
import unittest

from simtest import FIRST_BOOT, free_port, lab_session, running_sim

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "..", "browser")


def spki_pin_of(https_port):
    """base64 SHA-256 of the SubjectPublicKeyInfo of the certificate the box presents."""
    import base64
    import hashlib
    import ssl
    pem = ssl.get_server_certificate(("127.0.0.1", https_port))
    spki = subprocess.run("/usr/bin/openssl x509 -pubkey -noout | /usr/bin/openssl pkey -pubin -outform der",
                          shell=True, input=pem.encode(), capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class BrowserUi(unittest.TestCase):
    def test_operator_journey(self):
        self.assertTrue(shutil.which("node"), "node is missing: run scripts/setup")
        self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")),
                        "playwright-core is missing: run scripts/setup")
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is missing: run scripts/setup")
        lab = lab_session(self)
        try:
            with open(os.path.join(HERE, "..", "lab", "demo-config.json")) as f:
                doc = json.load(f)
            doc["trust_anchors_pem"] = lab.ports["tls"]["root_pem"]
            doc["defaults"] = {"interval_s": 2, "timeout_ms": 1500, "confirm": 1}
            https_port = free_port()
            with running_sim(doc, https_port=https_port) as (proc, port):
                # The key pin the box printed must be its certificate's (checked with
                # openssl), and is then the only thing Chromium trusts it by.
                pin = next(line.rsplit(" ", 1)[1].strip() for line in proc.console
                           if "HTTPS public key pin" in line)
                self.assertEqual(pin, spki_pin_of(https_port))
                env = {**os.environ, "PB_URL": f"https://127.0.0.1:{https_port}/", "PB_FIRST_BOOT": FIRST_BOOT[port],
                       "PB_HTTP_URL": f"http://127.0.0.1:{port}/", "PB_SPKI": pin,
                       "PB_FINGERPRINT": next(line.rsplit(" ", 1)[1].strip() for line in proc.console
                                              if "HTTPS certificate SHA-256 fingerprint" in line),
                       "PB_LAB_CONTROL": f"http://127.0.0.1:{lab.ports['control']}/",
                       "PB_MESH_PORT": str(lab.ports["mesh"][0]),
                       "PB_ISOLATED_EXTRA": f"10.0.2.2:{free_port()}"}
                if os.environ.get("PB_SHOTS_DIR"):
                    env["PB_SHOTS_DIR"] = os.environ["PB_SHOTS_DIR"]
                run = subprocess.run(["node", "ui_test.mjs"], cwd=BROWSER_DIR, env=env, capture_output=True,
                                     text=True, timeout=240)
                print(run.stdout)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        finally:
            lab.down()


if __name__ == "__main__":
    unittest.main()
