"""scripts/bench in its smoke mode (one round, one cycle, short windows), so the bench
cannot rot between its long runs: every row of the claims is measured and printed, and
the breakdowns of the simulator's CPU (callgrind) and memory sum to 100 %. Needs the
release simulator (scripts/test builds it before the system tests) and the image."""
import os
import subprocess
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SIM = os.path.join(REPO, "build", "sim-release", "host-sim", "probebox-sim")


class BenchSmoke(unittest.TestCase):
    def test_every_row_printed(self):
        self.assertTrue(os.path.exists(SIM), f"{SIM} not built (cmake --build --preset sim-release)")
        self.assertTrue(os.path.exists(os.environ.get("PROBEBOX_IMAGE", "")), "PROBEBOX_IMAGE not set")
        proc = subprocess.run([sys.executable, os.path.join(REPO, "tests", "bench", "peers.py"), "--smoke"],
                              capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
                              env=dict(os.environ, PROBEBOX_BENCH_SIM=SIM))
        out = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, out[-4000:])
        self.assertIn("bench smoke: every row printed; breakdowns sum to 100 %", out)
        for row in ("blackbox_exporter / running simulator", "--once CPU per cycle", "peak RSS, exporter",
                    "instructions per appliance cycle on the Cortex-M4 image"):
            self.assertIn(row, out)


if __name__ == "__main__":
    unittest.main()
