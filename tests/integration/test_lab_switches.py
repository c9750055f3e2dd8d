"""The lab's switches mean what they say the moment they answer: a test that sets a
port closed and starts a box at once must find it refused. (A close() that left the
accept thread's poll holding the socket kept it completing handshakes for up to
100 ms; the image, booted right after, saw the port open.)"""
import os
import socket
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
import lab  # noqa: E402
from simtest import free_port  # noqa: E402


def connects(port):
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect((lab.LOOPBACK, port))
            return True
        except OSError:
            return False


class SwitchablePortTest(unittest.TestCase):
    def test_closed_is_refused_as_soon_as_close_returns_and_open_accepts_again(self):
        stop = threading.Event()
        port = lab.SwitchablePort(free_port(), stop)
        try:
            for round_ in range(20):
                self.assertTrue(connects(port.port), f"round {round_}: open")
                port.close()
                self.assertFalse(connects(port.port), f"round {round_}: closed, yet a handshake completed")
                port.open()
        finally:
            stop.set()
            port.close()


if __name__ == "__main__":
    unittest.main()
