"""Syslog alerts: a UDP receiver on 127.0.0.1 gets well-formed RFC 5424 lines for
every hard-state change (issue 8)."""
import re
import socket
import unittest

from simtest import HOST, Listener, free_port, running_sim

RFC5424 = re.compile(
    r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|-) (\S+) probebox - STATE '
    r'\[probebox@32473 check="([^"]+)" group="([^"]+)" from="(\w+)" state="(\w+)"\] (.*)$')


class Syslog(unittest.TestCase):
    def test_state_changes_arrive_as_rfc5424(self):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(15)
        listener = Listener()
        doc = {"schema": 1, "device": {"name": "probe-syslog"},
               "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
               "checks": [{"id": "up", "type": "tcp", "host": HOST, "port": listener.port},
                          {"id": "down", "type": "tcp", "host": HOST, "port": free_port()}],
               "alerts": {"syslog": {"server": f"{HOST}:{rx.getsockname()[1]}"}}}
        try:
            with running_sim(doc):
                got = {}
                while len(got) < 2:
                    line = rx.recv(2048).decode()
                    m = RFC5424.match(line)
                    self.assertIsNotNone(m, line)
                    got[m.group(4)] = m
                self.assertEqual(got["up"].group(7), "ok")
                self.assertEqual(got["down"].group(7), "critical")
                self.assertEqual(int(got["down"].group(1)), 16 * 8 + 2)
                self.assertEqual(got["down"].group(3), "probe-syslog")
                self.assertEqual(got["down"].group(5), "ports")
                self.assertEqual(got["down"].group(6), "none")  # first result after boot
                # The open port closes: a change ok -> critical follows.
                listener.close()
                while True:
                    m = RFC5424.match(rx.recv(2048).decode())
                    if m and m.group(4) == "up":
                        break
                self.assertEqual((m.group(6), m.group(7)), ("ok", "critical"))
                self.assertIn("refused", m.group(8))
        finally:
            listener.close()
            rx.close()


if __name__ == "__main__":
    unittest.main()
