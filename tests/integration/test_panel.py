"""The front panel through `--panel json` against the lab: a mesh port stops, the
ports LED and STATUS turn red and the failing check's page appears; it recovers."""
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import unittest

from simtest import HOST, SIM, free_port, lab_session


class PanelJson(unittest.TestCase):
    def test_group_led_status_and_failing_page(self):
        lab = lab_session(self)
        port = lab.ports["mesh"][0]
        doc = {"schema": 1, "device": {"name": "probe-panel"}, "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
               "checks": [{"id": "node1-mesh", "type": "tcp", "host": HOST, "port": port}]}
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        proc = subprocess.Popen([SIM, "--config", path, "--flash", os.path.join(tmp, "flash.bin"),
                                 "--http-port", str(free_port()), "--panel", "json"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(json.loads(l)) for l in proc.stdout], daemon=True).start()

        def wait(predicate, seconds):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    state = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if predicate(state):
                    return state
            return None

        try:
            green = wait(lambda s: s["leds"]["ports"]["color"] == "green" and s["leds"]["status"]["color"] == "green", 15)
            self.assertIsNotNone(green, "ports never went green")
            self.assertEqual(green["leds"]["link"]["color"], "green")
            self.assertTrue(all(len(r) == 20 for r in green["lcd"]))

            lab.set(f"tcp:{port}", "closed")
            red = wait(lambda s: s["leds"]["ports"]["color"] == "red" and s["leds"]["status"]["color"] == "red", 15)
            self.assertIsNotNone(red, "ports never went red")
            self.assertTrue(red["leds"]["status"]["blink"])  # a new critical, not acknowledged
            page = wait(lambda s: s["lcd"][0].startswith("node1-mesh") and "CRITICAL" in s["lcd"][1], 45)
            self.assertIsNotNone(page, "the failing check's page never appeared")
            self.assertIn("refused", page["lcd"][2] + page["lcd"][3])

            lab.set(f"tcp:{port}", "open")
            back = wait(lambda s: s["leds"]["ports"]["color"] == "green" and s["leds"]["status"]["color"] == "green", 15)
            self.assertIsNotNone(back, "did not recover")
            self.assertFalse(back["leds"]["status"]["blink"])
        finally:
            proc.terminate()
            proc.wait(10)
            lab.down()


if __name__ == "__main__":
    unittest.main()
