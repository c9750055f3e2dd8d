"""The web server and its login as an attacker meets them: slow-loris sockets, a
body announced and never sent, a client that stops reading a large /metrics,
guessing the password until the address is locked, a page whose DNS name was
rebound to the box, bare-LF requests. The box must keep answering, and the admin
must always get in (through the front panel's one-time code at least)."""
import http.client
import json
import os
import pty
import queue
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from simtest import FIRST_BOOT, HOST, SIM, free_port, login, raw_exchange, request, running_sim, session_headers, wait_for

PASSWORD = "admin-password-1"


def slow_loris(port, stop, counts):
    """One slow-loris socket: a request head one byte a second, reconnecting at
    once whenever the box drops it (an attacker's best)."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                counts["connects"] += 1
                for i in range(len(head)):
                    if stop.wait(1.0):
                        return
                    s.sendall(head[i:i + 1])
        except OSError:
            counts["dropped"] += 1
            stop.wait(0.01)


def stalled_body(port, stop, counts):
    """Announces a 60 KB body (a config upload, a login) and sends nothing."""
    heads = [b"PUT /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 60000\r\n\r\n{",
             b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 60000\r\n\r\n{"]
    n = 0
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(heads[n % 2])
                n += 1
                s.settimeout(1.0)
                while not stop.is_set():
                    try:
                        if not s.recv(4096):
                            break
                    except socket.timeout:
                        continue
        except OSError:
            pass
        counts["stalled_bodies"] += 1
        stop.wait(0.05)


def many_checks_doc(n, interval_s=60):
    # Checks aimed at a closed port: each adds its lines to /metrics (long ids, more).
    return {"schema": 1, "device": {"name": "probe-attack"},
            "defaults": {"interval_s": interval_s, "timeout_ms": 500, "confirm": 1},
            "checks": [{"id": f"closed-port-{i:03d}-padding-pad-pad", "type": "tcp",
                        "host": HOST, "port": 9} for i in range(n)]}


class WebUnderAttack(unittest.TestCase):
    def test_0_a_burst_of_connections_waits_for_no_syn_retransmission(self):
        # The simulator's forwarded port must queue a burst, as the box's lwIP listener
        # does: a dropped SYN costs its client a whole second before the box sees it.
        with running_sim(many_checks_doc(2)) as (_, port):
            self.assertTrue(wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 20))
            took, sockets = [], []
            lock = threading.Lock()

            def connect_one():
                started = time.monotonic()
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                with lock:
                    took.append(time.monotonic() - started)
                    sockets.append(s)

            threads = [threading.Thread(target=connect_one) for _ in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            for s in sockets:
                s.close()
            self.assertEqual(len(took), 40)
            self.assertLess(max(took), 0.9, f"connect times: {sorted(took)[-5:]}")

    def test_1_slow_loris_and_a_stalled_body_do_not_block_healthz_or_the_admin(self):
        with running_sim(many_checks_doc(2)) as (_, port):
            self.assertTrue(wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 20))
            stop = threading.Event()
            counts = {"connects": 0, "dropped": 0, "stalled_bodies": 0}
            threads = [threading.Thread(target=slow_loris, args=(port, stop, counts), daemon=True) for _ in range(20)]
            threads.append(threading.Thread(target=stalled_body, args=(port, stop, counts), daemon=True))
            for t in threads:
                t.start()
            try:
                time.sleep(3)  # the attack is in full swing
                ok = 0
                failures = []
                for _ in range(100):
                    try:
                        status_code = request(port, "GET", "/healthz", timeout=3)[0]
                        if status_code == 200:
                            ok += 1
                        else:
                            failures.append(status_code)
                    except (OSError, http.client.HTTPException) as e:
                        failures.append(repr(e))
                    time.sleep(0.05)
                # The admin logs in at the first try, while it goes on.
                status, _, body = request(port, "POST", "/api/login", {"password": FIRST_BOOT[port]}, timeout=5)
            finally:
                stop.set()
                for t in threads:
                    t.join(5)
            print(f"healthz {ok}/100 under 20 slow-loris sockets and a stalled body; attacker {counts}")
            self.assertGreaterEqual(ok, 99, f"{counts}, the failed requests: {failures}")
            self.assertEqual(status, 200, body)
            self.assertGreater(counts["connects"], 20, "the attack ran")

    def test_2_a_client_that_stops_reading_metrics_holds_nothing(self):
        with running_sim(many_checks_doc(128, interval_s=5)) as (_, port):
            self.assertTrue(wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 20))
            # Every check has a result: /metrics is large.
            self.assertTrue(wait_for(lambda: len(request(port, "GET", "/metrics")[2]) > 30_000, 40))
            stalled = []
            for _ in range(2):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                stalled.append(s)  # and never read
            try:
                time.sleep(1)
                for path in ["/metrics", "/healthz", "/metrics"]:
                    started = time.monotonic()
                    status, _, body = request(port, "GET", path, timeout=5)
                    self.assertEqual(status, 200)
                    self.assertLess(time.monotonic() - started, 3, f"{path} waited for the stalled readers")
                    if path == "/metrics":
                        self.assertIn(b"probe_success", body)
                        self.assertTrue(body.endswith(b"\n"))
                login(port)
                self.assertEqual(request(port, "GET", "/api/status", headers=session_headers(port))[0], 200)
            finally:
                for s in stalled:
                    s.close()

    def test_3_rebinding_and_bare_lf_are_refused(self):
        with running_sim(many_checks_doc(1)) as (_, port):
            self.assertTrue(wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 20))
            pw = {"password": FIRST_BOOT[port]}
            # A page at http://evil.example:<port>/ whose name now resolves to the box.
            self.assertEqual(request(port, "GET", "/api/session", headers={"Host": f"evil.example:{port}"})[0], 403)
            self.assertEqual(request(port, "POST", "/api/login", pw, headers={"Host": f"evil.example:{port}"})[0], 403)
            self.assertEqual(request(port, "POST", "/api/login", pw,
                                     headers={"Origin": f"http://evil.example:{port}"})[0], 403)
            self.assertEqual(request(port, "GET", "/api/session", headers={"Host": "probe-attack"})[0], 200)
            self.assertEqual(request(port, "GET", "/api/session", headers={"Host": f"localhost:{port}"})[0], 200)
            status, _, body = request(port, "POST", "/api/login", pw, headers={"Origin": f"http://127.0.0.1:{port}"})
            self.assertEqual(status, 200, body)
            # Prometheus may scrape the box by any name.
            self.assertEqual(request(port, "GET", "/metrics", headers={"Host": "monitoring-alias"})[0], 200)
            # A bare LF is answered at once, not after the head timeout.
            started = time.monotonic()
            reply = raw_exchange(port, b"GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n", read_s=4)
            self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply)
            self.assertLess(time.monotonic() - started, 2)

    def test_4_after_300_wrong_logins_the_admin_gets_in_with_the_panel_code(self):
        master, slave = pty.openpty()
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "config.json")
        with open(path, "w") as f:
            json.dump(many_checks_doc(1), f)
        port = free_port()
        proc = subprocess.Popen([SIM, "--config", path, "--flash", os.path.join(tmp, "flash.bin"),
                                 "--http-port", str(port), "--https-port", "0", "--panel", "ansi"],
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(slave)
        screen = queue.Queue()
        console = []
        threading.Thread(target=lambda: [screen.put(c) for c in iter(lambda: proc.stdout.read1(65536), b"")],
                         daemon=True).start()
        threading.Thread(target=lambda: [console.append(l.decode()) for l in proc.stderr], daemon=True).start()
        try:
            self.assertTrue(wait_for(lambda: request(port, "GET", "/healthz")[0] == 200, 30))
            first = next(l.rsplit(":", 1)[1].strip() for l in console if "first-boot password" in l)
            FIRST_BOOT[port] = first
            h = session_headers(port)
            status, _, body = request(port, "POST", "/api/password", {"current": first, "new": PASSWORD}, headers=h)
            self.assertEqual(status, 200, body)
            codes = {}
            for i in range(300):
                code = request(port, "POST", "/api/login", {"password": f"wrong-guess-{i}"})[0]
                codes[code] = codes.get(code, 0) + 1
            self.assertLessEqual(codes.get(401, 0), 10, codes)  # backoff and the global budget
            status, headers, _ = request(port, "POST", "/api/login", {"password": PASSWORD})
            self.assertEqual(status, 429, "the address is locked out, as it should be")
            # At the box: BACK to the summary page, OK opens the menu, DOWN three
            # times, OK shows the code.
            for key in [b"b", b"\r", b"j", b"j", b"j", b"\r"]:
                os.write(master, key)
                time.sleep(0.4)
            text = b""
            code = None
            deadline = time.monotonic() + 10
            while code is None and time.monotonic() < deadline:
                try:
                    text += screen.get(timeout=0.5)
                except queue.Empty:
                    continue
                plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b" ", text)
                m = re.search(rb"WEB LOGIN CODE.*?([A-Z2-9]{4}-[A-Z2-9]{4})", plain, re.S)
                code = m.group(1).decode() if m else None
            self.assertIsNotNone(code, "the LCD never showed a login code: " + plain[-600:].decode(errors="replace"))
            status, _, body = request(port, "POST", "/api/login", {"password": code})
            self.assertEqual(status, 200, body)
            self.assertFalse(json.loads(body)["must_change_password"])
            self.assertNotEqual(request(port, "POST", "/api/login", {"password": code})[0], 200, "the code is used up")
        finally:
            os.write(master, b"q")
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            os.close(master)
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
