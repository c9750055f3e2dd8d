"""The Cortex-M4 image's last lines of defence, on a test image built from the
firmware's own reset code, vector table and linker script (board_fault_test.cpp):
- the stack guard: an MPU region under the main stack. The image recurses without
  end; the guard must stop it with a MemManage fault reported as a stack overflow,
  before the stack reaches .bss (a canary there reads intact in the report). Without
  the guard the same image wrote down over all of RAM and QEMU died in a lockup.
- the watchdog: fed eight times it holds off; starved, its NMI reports the stall with
  the pc where the loop was stuck.
- the fault record: what a fatal report saves survives the board's reset (.noinit is
  neither zeroed by the reset code nor reloaded by QEMU's), and is read once.
And the firmware itself boots with the guard on."""
import os
import re
import subprocess
import time
import unittest

TEST_IMAGE = os.environ.get("PROBEBOX_FAULT_TEST_IMAGE", "")
IMAGE = os.environ.get("PROBEBOX_IMAGE", "")


def boot(image, append, timeout=60):
    cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
           "-semihosting-config", "enable=on,target=native", "-kernel", image, "-serial", "stdio",
           "-append", append]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


class BoardFaults(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(TEST_IMAGE), "PROBEBOX_FAULT_TEST_IMAGE does not name the test image")

    def test_an_overflow_stops_at_the_guard_with_bss_intact(self):
        code, console = boot(TEST_IMAGE, "stack")
        self.assertIn("stack guard on at", console)
        self.assertNotIn("no fault", console)
        report = re.search(r"\*\*\* stack overflow: the stack ran into its MPU guard \(exception (\d+)\) "
                           r"pc=\w+ depth=(\d+) canary=(\w+)", console)
        self.assertIsNotNone(report, console[-2000:])
        self.assertEqual(report.group(1), "4")  # MemManage, not an escalated HardFault
        # 12 KiB of stack at about 72 bytes a frame: the guard stops it near the end.
        self.assertGreater(int(report.group(2)), 100)
        self.assertEqual(report.group(3), "intact")
        self.assertEqual(code, 70)

    def test_a_starved_watchdog_reports_where_the_loop_stalled(self):
        began = time.monotonic()
        code, console = boot(TEST_IMAGE, "watchdog")
        took = time.monotonic() - began
        fed = re.search(r"fed 8 times, 6 timeouts of 200 ms; stalling at ([0-9a-f]{8})", console)
        self.assertIsNotNone(fed, console[-2000:])
        report = re.search(r"\*\*\* watchdog: the main loop stopped coming back \(exception (\d+)\) pc=([0-9a-f]{8})",
                           console)
        self.assertIsNotNone(report, console[-2000:])
        self.assertEqual(report.group(1), "2")  # the NMI
        self.assertLess(console.index(fed.group(0)), console.index(report.group(0)))
        # The pc is inside the stall (its address has the Thumb bit set).
        stall = int(fed.group(1), 16) & ~1
        self.assertTrue(stall <= int(report.group(2), 16) < stall + 16, console)
        self.assertEqual(code, 70)
        # Fed it held off for six timeouts (1.2 s of virtual time, at least as much of ours).
        self.assertGreater(took, 1.0)

    def test_a_fault_record_survives_the_reset_and_is_read_once(self):
        code, console = boot(TEST_IMAGE, "restart", timeout=30)
        self.assertEqual(console.count("first boot: no record; saving one and resetting"), 1, console)
        self.assertIn("second boot: restarted after: test: a fatal report before the reset (pc 00001234)", console)
        self.assertEqual(code, 0)

    def test_the_firmware_turns_the_guard_on_at_boot(self):
        self.assertTrue(os.path.exists(IMAGE), "PROBEBOX_IMAGE does not name the image")
        # A config that does not exist: the image stops after the banner, before the loop
        # (test_qemu_image's demo lab runs a whole cycle with the guard and the watchdog on).
        code, console = boot(IMAGE, "--once --config /nonexistent.json")
        self.assertRegex(console, r"stack guard on: MPU region of 32 bytes at 2[0-9a-f]{7}, under the stack")
        self.assertEqual(code, 3)


if __name__ == "__main__":
    unittest.main()
