"""The front panel through `--panel json` against the lab: a mesh port stops, the
ports LED and STATUS turn red and the failing check's page appears; it recovers.
And `--panel ansi`: the picture is what the firmware's Panel::render() gave the
simulator's hal LEDs and LCD, the same rows and colours GET /api/panel reports."""
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
import unittest

from simtest import HOST, SIM, free_port, http_get, lab_session, running_sim


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
                                 "--http-port", str(free_port()), "--https-port", "0", "--panel", "json"],
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


ANSI_COLOR = {"green": "\033[1;32m", "amber": "\033[1;33m", "red": "\033[1;31m", "off": "\033[2;37m"}
LED_LABELS = {"status": "STATUS", "link": "LINK", "heartbeat": "HEARTBEAT", "cert": "cert", "dns": "dns",
              "ports": "ports", "smtp": "smtp", "health": "health", "time": "time", "egress": "egress",
              "isolation": "isolation"}


def parse_ansi_frame(frame):
    """(lcd rows, {led: (colour escape, glyph)}) of one frame of --panel ansi."""
    lines = frame.split("\n")
    top = lines.index(" +--------------------+")
    rows = [line[2:-1] for line in lines[top + 1:top + 5]]
    # Each LED is "<colour escape><glyph>\033[0m <label>".
    pairs = {}
    for line in lines[:top]:
        chunks = line.split("\033[0m")
        for k in range(len(chunks) - 1):
            escape_at = chunks[k].rindex("\033[")
            label = chunks[k + 1].split("\033[")[0].strip()
            pairs[label] = (chunks[k][escape_at:-1], chunks[k][-1])
    return rows, pairs


class PanelAnsi(unittest.TestCase):
    def test_the_picture_is_what_render_gave_the_hal(self):
        # A refused port: STATUS and ports red and blinking, LINK green, smtp off.
        doc = {"schema": 1, "device": {"name": "probe-ansi"}, "defaults": {"interval_s": 2, "timeout_ms": 1000, "confirm": 1},
               "checks": [{"id": "gone", "type": "tcp", "host": HOST, "port": 1}]}
        with running_sim(doc, extra_args=("--panel", "ansi")) as (proc, port):
            frames = queue.Queue()

            def read_frames():
                buffered = ""
                while True:
                    chunk = proc.stdout.read(1)
                    if not chunk:
                        return
                    buffered += chunk
                    if buffered.endswith("q=quit\n"):
                        frames.put(buffered.split("\033[H\033[2J")[-1])
                        buffered = ""
            threading.Thread(target=read_frames, daemon=True).start()
            deadline = time.monotonic() + 30
            matched = None
            while time.monotonic() < deadline and matched is None:
                _, _, body = http_get(port, "/api/panel")
                state = json.loads(body)
                if state["leds"]["status"]["color"] != "red":
                    time.sleep(0.2)
                    continue
                # The frames drawn after this document: one shows the same rows.
                until = time.monotonic() + 1.5
                while time.monotonic() < until:
                    try:
                        frame = frames.get(timeout=0.3)
                    except queue.Empty:
                        continue
                    rows, leds = parse_ansi_frame(frame)
                    if rows == state["lcd"]:
                        matched = (state, rows, leds)
                        break
            self.assertIsNotNone(matched, "no ANSI frame showed the rows of GET /api/panel")
            state, rows, leds = matched
            self.assertTrue(any(r.strip() for r in rows), "the LCD the firmware wrote is blank")
            for name, label in LED_LABELS.items():
                want = state["leds"][name]
                escape, glyph = leds[label]
                self.assertEqual(escape, ANSI_COLOR[want["color"]], name)
                if want["color"] == "off":
                    self.assertEqual(glyph, "\u25cb", name)
                elif want["blink"]:
                    self.assertIn(glyph, ("\u25cf", "\u25ce"), name)  # lit, or its dark half
                else:
                    self.assertEqual(glyph, "\u25cf", name)
            self.assertTrue(state["leds"]["status"]["blink"])


if __name__ == "__main__":
    unittest.main()
