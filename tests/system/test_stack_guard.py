"""The Cortex-M4 image's stack guard: an MPU region under the main stack. A test image
built from the firmware's own reset code and linker script recurses without end; the
guard must stop it with a MemManage fault reported as a stack overflow, before the
stack reaches .bss (a canary there must read intact in the report). Without the guard
the same image writes down over all of RAM and QEMU dies in a lockup."""
import os
import re
import subprocess
import unittest

TEST_IMAGE = os.environ.get("PROBEBOX_STACK_GUARD_TEST", "")
IMAGE = os.environ.get("PROBEBOX_IMAGE", "")


def boot(image, append=None, timeout=60):
    cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
           "-semihosting-config", "enable=on,target=native", "-kernel", image, "-serial", "stdio"]
    if append:
        cmd += ["-append", append]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


class StackGuard(unittest.TestCase):
    def test_an_overflow_stops_at_the_guard_with_bss_intact(self):
        self.assertTrue(os.path.exists(TEST_IMAGE), "PROBEBOX_STACK_GUARD_TEST does not name the test image")
        code, console = boot(TEST_IMAGE)
        self.assertIn("stack guard on at", console)
        self.assertNotIn("no fault", console)
        report = re.search(r"\*\*\* stack overflow: the stack ran into its MPU guard \(exception (\d+)\) "
                           r"depth=(\d+) canary=(\w+)", console)
        self.assertIsNotNone(report, console[-2000:])
        self.assertEqual(report.group(1), "4")  # MemManage, not an escalated HardFault
        # 12 KiB of stack at roughly 72 bytes a frame: the guard stops it near the end.
        self.assertGreater(int(report.group(2)), 100)
        self.assertEqual(report.group(3), "intact")
        self.assertEqual(code, 70)

    def test_the_firmware_boots_with_the_guard_on(self):
        self.assertTrue(os.path.exists(IMAGE), "PROBEBOX_IMAGE does not name the image")
        # No config: the image stops at once with its usage status, after the banner.
        code, console = boot(IMAGE, append="--once --config /nonexistent.json", timeout=60)
        self.assertRegex(console, r"stack guard on: MPU region of 32 bytes at 2[0-9a-f]{7}, under the stack")
        self.assertNotIn("stack overflow", console)


if __name__ == "__main__":
    unittest.main()
