"""The config given once survives a restart through the simulator's flash file."""
import os
import tempfile
import unittest

from simtest import HOST, Listener, run_once


class FlashConfig(unittest.TestCase):
    def test_config_survives_restart_and_bad_config_changes_nothing(self):
        listener = Listener()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                flash = os.path.join(tmp, "flash.bin")
                doc = {"schema": 1, "device": {"name": "kept"},
                       "checks": [{"id": "kept-port", "type": "tcp", "host": HOST, "port": listener.port}]}
                code, out, err = run_once(doc, flash=flash)
                self.assertEqual(code, 0, err)
                # Restart with no --config: the stored one runs.
                code, out, err = run_once(None, flash=flash)
                self.assertEqual(code, 0, err)
                self.assertEqual([c["id"] for c in out["checks"]], ["kept-port"])
                self.assertIn("config from", err)
                # A bad config is refused and the stored one stays.
                code, _, err = run_once({"schema": 1, "checks": [{"id": "x"}]}, flash=flash)
                self.assertEqual(code, 3)
                code, out, _ = run_once(None, flash=flash)
                self.assertEqual([c["id"] for c in out["checks"]], ["kept-port"])
        finally:
            listener.close()


if __name__ == "__main__":
    unittest.main()
