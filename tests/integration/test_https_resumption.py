"""TLS session resumption of the https http probe (issue 20 item 4): the next cycle's
request to the same server resumes the session (no key exchange, no chain verified),
and a server whose certificate becomes untrusted while it still takes the old tickets
fails the request within a few cycles, because the tls_cert check of the same server
sees the new leaf and the session is dropped."""
import json
import os
import ssl
import threading
import sys
import unittest

from simtest import HOST, by_id, free_port, http_get, lab_session, running_sim, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
from chain_server import Listener  # noqa: E402

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"


class TicketServer(Listener):
    """A TLS 1.2 server on 127.0.0.1 answering one HTTP request per connection. Its
    certificate is switched in place: the same SSLContext, so the same ticket key, and
    the tickets issued before the switch still resume (what a server does whose
    certificate is replaced without a restart)."""

    def __init__(self, pki, label):
        super().__init__(free_port())
        self.pki = pki
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.maximum_version = ssl.TLSVersion.TLSv1_2
        self.switch(label)
        self.lock = threading.Lock()
        self.resumed, self.full = 0, 0
        self.start()

    def switch(self, label):
        self.context.load_cert_chain(os.path.join(self.pki, f"{label}.chain.pem"),
                                     os.path.join(self.pki, f"{label}.key.pem"))

    def counts(self):
        with self.lock:
            return self.resumed, self.full

    def accepted(self, conn):
        conn.settimeout(5)
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                with self.lock:
                    if tls.session_reused:
                        self.resumed += 1
                    else:
                        self.full += 1
                data = tls.recv(4096)
                if data.startswith(b"GET "):
                    tls.sendall(OK)
        except (OSError, ssl.SSLError):
            pass  # tls_cert stops after the server's key exchange
        finally:
            conn.close()


class HttpsResumption(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.tls = cls.lab.ports["tls"]
        cls.pki = os.path.join(cls.lab.dir, "pki")

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def doc(self, port, with_cert_check):
        checks = [{"id": "web", "type": "http", "url": f"https://{HOST}:{port}/testall",
                   "host_header": "manage.lab.test"}]
        if with_cert_check:
            checks.append({"id": "cert", "type": "tls_cert", "host": HOST, "port": port,
                           "server_name": "manage.lab.test", "names": ["manage.lab.test"]})
        return {"schema": 1, "trust_anchors_pem": self.tls["root_pem"],
                "defaults": {"interval_s": 1, "timeout_ms": 900}, "checks": checks}

    def test_the_next_cycles_resume_and_answer_the_same(self):
        server = TicketServer(self.pki, "good")
        try:
            with running_sim(self.doc(server.port, False)) as (_, api_port):
                diag = lambda: json.loads(http_get(api_port, "/api/diagnostics")[2])["tls_sessions"]
                resumed = wait_for(lambda: diag()["resumed"] >= 3 or None, 30)
                self.assertTrue(resumed, f"no resumption: {diag()}, server {server.counts()}")
                web = by_id(json.loads(http_get(api_port, "/api/status")[2]))["web"]
                self.assertEqual(web["status"], "ok", web["summary"])
                self.assertEqual(diag()["held"], 1)
                self.assertGreaterEqual(server.counts()[0], 3, "the server resumed them")
                self.assertLessEqual(server.counts()[1], 2, "one full handshake (a second if a cycle overlapped)")
        finally:
            server.close()

    def test_a_certificate_that_becomes_untrusted_fails_the_request_though_the_ticket_still_resumes(self):
        server = TicketServer(self.pki, "good")
        try:
            with running_sim(self.doc(server.port, True)) as (_, api_port):
                status = lambda: by_id(json.loads(http_get(api_port, "/api/status")[2]))
                self.assertTrue(wait_for(lambda: server.counts()[0] >= 2 or None, 30),
                                f"no resumed request before the switch: {server.counts()}")
                self.assertEqual(status()["web"]["status"], "ok", status()["web"]["summary"])
                # Same server, same ticket key, a certificate the anchors do not sign.
                server.switch("self-signed")
                failed = wait_for(lambda: (lambda c: c if c["status"] == "critical" else None)(status()["web"]), 15)
                self.assertIsNotNone(failed, f"still {status()['web']}: the old session kept being resumed")
                self.assertIn("certificate does not verify", failed["summary"])
                self.assertEqual(status()["cert"]["status"], "critical", status()["cert"]["summary"])
                # And it stays failed: the failure leaves no session to resume.
                resumed_before = server.counts()[0]
                wait_for(lambda: None, 3)
                self.assertEqual(status()["web"]["status"], "critical")
                self.assertEqual(server.counts()[0], resumed_before, "nothing resumed after the failure")
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
