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
            with running_sim(doc) as (proc, port):
                env = {**os.environ, "PB_URL": f"http://127.0.0.1:{port}/", "PB_FIRST_BOOT": FIRST_BOOT[port],
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
