"""The web API's contract and its guards: sessions, CSRF, login throttling, the
config PUT (validated, all-or-nothing, stored, active at once), oversized and
malformed requests, path traversal and header injection — each answered with the
right status and no change of state."""
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from simtest import (FIRST_BOOT, HOST, Listener, by_id, free_port, http_get, login, raw_exchange, read_to_end, request,
                     running_sim, session_headers, wait_for)

NEW_PASSWORD = "correct horse battery"


def base_doc(listener):
    return {"schema": 1, "device": {"name": "probe-web"},
            "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
            "checks": [{"id": "web-a", "type": "tcp", "host": HOST, "port": listener.port},
                       {"id": "relay", "type": "smtp", "host": HOST, "port": listener.port,
                        "username": "probe", "password": "s3cret-relay", "interval_s": 60, "timeout_ms": 500}]}


class WebApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.listener = Listener(max_s=600)
        cls.doc = base_doc(cls.listener)
        cls.flash_dir = tempfile.mkdtemp()
        cls.flash = os.path.join(cls.flash_dir, "flash.bin")
        cls.ctx = running_sim(cls.doc, flash=cls.flash)
        cls.proc, cls.port = cls.ctx.__enter__()
        assert wait_for(lambda: http_get(cls.port, "/healthz")[0] == 200, 20)

    @classmethod
    def tearDownClass(cls):
        cls.ctx.__exit__(None, None, None)
        cls.listener.close()
        shutil.rmtree(cls.flash_dir, ignore_errors=True)

    def config_text(self):
        return http_get(self.port, "/api/config")[2].decode()

    def test_1_first_boot_login_then_password_change(self):
        port = self.port
        self.assertIn(port, FIRST_BOOT)
        status, _, body = request(port, "GET", "/api/session")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"authenticated": False, "device": "probe-web", "first_boot": True})
        s = login(port)
        status, headers, body = request(port, "POST", "/api/login", {"password": FIRST_BOOT[port]})
        cookie = headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertEqual(len(cookie.split(";")[0].split("=")[1]), 64)
        self.assertTrue(json.loads(body)["must_change_password"])
        # A first-boot session reads, but changes nothing until the password is set.
        h = session_headers(port)
        self.assertEqual(request(port, "GET", "/api/status", headers=h)[0], 200)
        self.assertEqual(request(port, "PUT", "/api/config", self.doc, headers=h)[0], 403)
        # Too short, and wrong current password.
        self.assertEqual(request(port, "POST", "/api/password", {"current": FIRST_BOOT[port], "new": "short"}, headers=h)[0], 400)
        self.assertEqual(request(port, "POST", "/api/password", {"current": "nope-nope-nope", "new": NEW_PASSWORD}, headers=h)[0], 403)
        status, _, body = request(port, "POST", "/api/password", {"current": FIRST_BOOT[port], "new": NEW_PASSWORD}, headers=h)
        self.assertEqual(status, 200, body)
        self.assertFalse(json.loads(body)["must_change_password"])
        # The password change ended the other session (the second login above).
        self.assertEqual(request(port, "GET", "/api/status", headers={"Cookie": cookie.split(";")[0]})[0], 401)
        # The first-boot password no longer works; the new one does.
        self.assertEqual(request(port, "POST", "/api/login", {"password": FIRST_BOOT[port]})[0], 401)
        login(port, NEW_PASSWORD)

    def test_2_every_route_needs_a_session(self):
        port = self.port
        for method, path in [("GET", "/api/status"), ("GET", "/api/events"), ("GET", "/api/config"),
                             ("GET", "/api/report"), ("GET", "/api/panel"), ("GET", "/api/diagnostics"),
                             ("PUT", "/api/config"), ("POST", "/api/checks/web-a/run"), ("POST", "/api/logout"),
                             ("POST", "/api/password")]:
            body = self.doc if method == "PUT" else None
            self.assertEqual(request(port, method, path, body)[0], 401, f"{method} {path} without a session")
            # A made-up or expired session is no session.
            self.assertEqual(request(port, method, path, body, headers={"Cookie": "pb_session=" + "a" * 64})[0], 401)
        for path in ["/healthz", "/metrics", "/", "/app.js", "/app.css"]:
            self.assertEqual(request(port, "GET", path)[0], 200, path)

    def test_3_mutations_need_the_csrf_token(self):
        port = self.port
        login(port, NEW_PASSWORD)
        h = session_headers(port)
        before = self.config_text()
        for method, path, body in [("PUT", "/api/config", self.doc), ("POST", "/api/checks/web-a/run", None),
                                   ("POST", "/api/password", {"current": NEW_PASSWORD, "new": "another-password-1"}),
                                   ("POST", "/api/logout", None)]:
            no_token = {"Cookie": h["Cookie"]}
            wrong = {"Cookie": h["Cookie"], "X-CSRF-Token": "0" * 32}
            self.assertEqual(request(port, method, path, body, headers=no_token)[0], 403, f"{method} {path}")
            self.assertEqual(request(port, method, path, body, headers=wrong)[0], 403, f"{method} {path}")
        self.assertEqual(self.config_text(), before)
        self.assertEqual(request(port, "GET", "/api/status", headers=h)[0], 200, "the session survived")
        self.assertEqual(request(port, "POST", "/api/checks/web-a/run", headers=h)[0], 202)
        self.assertEqual(request(port, "POST", "/api/checks/nope/run", headers=h)[0], 404)

    def test_4_bad_configs_change_nothing(self):
        port = self.port
        login(port, NEW_PASSWORD)
        h = session_headers(port)
        before = self.config_text()
        # A rejected document is parsed into the running model and the running text
        # parsed back (App::apply_uploaded_config): the health records go on, never reset.
        runs = lambda: {c["id"]: sum(c["counts"].values()) for c in json.loads(http_get(port, "/api/status")[2])["checks"]}
        runs_before = runs()
        bad_port = json.loads(json.dumps(self.doc))
        bad_port["checks"][0]["port"] = 70000
        bad_port["checks"].append({"id": "x", "type": "tcp", "host": HOST, "port": 0, "colour": "red"})
        status, _, body = request(port, "PUT", "/api/config", bad_port, headers=h)
        self.assertEqual(status, 400)
        errors = {e["path"]: e["message"] for e in json.loads(body)["errors"]}
        self.assertIn("checks[0].port", errors)
        self.assertIn("checks[2].port", errors)
        self.assertIn("checks[2].colour", errors)
        cases = [
            (b'{"schema": 1, "checks": [', 400),                     # malformed JSON
            (json.dumps({"schema": 1, "surprise": True}).encode(), 400),  # unknown key
            (b"[]", 400),
        ]
        for data, expected in cases:
            status, _, body = request(port, "PUT", "/api/config", data, headers={**h, "Content-Type": "application/json"})
            self.assertEqual(status, expected, data)
            self.assertTrue(json.loads(body)["errors"], body)
        # Wrong media type, oversized body.
        self.assertEqual(request(port, "PUT", "/api/config", b"{}", headers={**h, "Content-Type": "text/plain"})[0], 415)
        huge = b'{"schema":1,"device":{"name":"' + b"x" * (70 * 1024) + b'"}}'
        status, _, _ = request(port, "PUT", "/api/config", huge, headers={**h, "Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertEqual(self.config_text(), before)
        self.assertEqual([c["id"] for c in json.loads(http_get(port, "/api/status")[2])["checks"]], ["web-a", "relay"])
        runs_after = runs()
        for check_id, n in runs_before.items():
            self.assertGreaterEqual(runs_after[check_id], n, f"{check_id}'s record was reset")

    def test_5_good_config_is_active_at_once_stored_and_secrets_stay(self):
        port = self.port
        login(port, NEW_PASSWORD)
        h = session_headers(port)
        shown = json.loads(self.config_text())
        self.assertEqual(shown["checks"][1]["password"], "********", "the SMTP password never leaves the box")
        extra = Listener(max_s=300)
        try:
            shown["checks"].insert(0, {"id": "web-b", "type": "tcp", "host": HOST, "port": extra.port})
            status, _, body = request(port, "PUT", "/api/config", shown, headers=h)
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["checks"], 3)
            st = wait_for(lambda: by_id(json.loads(http_get(port, "/api/status")[2])).get("web-b", {}).get("hard") == "ok", 15)
            self.assertTrue(st, "the new check never ran")
            # Masked on the way out, kept inside: the stored document still has it.
            with open(self.flash, "rb") as f:
                image = f.read()
            self.assertIn(b"s3cret-relay", image)
            self.assertNotIn(b"s3cret-relay", http_get(port, "/api/config")[2])
        finally:
            extra.close()

    def test_5a_an_upload_larger_than_any_ram_buffer_is_applied_and_a_cut_one_changes_nothing(self):
        # A PUT body goes to flash as it arrives (the web server has no body buffer:
        # 1.5 KiB per connection, a 2 KiB slice): one of ~60 KiB, near the slot's
        # limit, with the stored secret as a placeholder, is applied whole.
        port = self.port
        login(port, NEW_PASSWORD)
        h = session_headers(port)
        running = json.loads(self.config_text())
        big = json.loads(json.dumps(running))
        for i in range(100):
            big["checks"].append({"id": f"bulk-{i:03d}", "type": "tcp", "host": HOST, "port": self.listener.port,
                                  "interval_s": 300})
        indent = 12
        while len(json.dumps(big, indent=indent + 1)) < 62 * 1024:
            indent += 1
        data = json.dumps(big, indent=indent).encode()
        self.assertGreater(len(data), 48 * 1024)
        self.assertLess(len(data), 64 * 1024)
        status, _, body = request(port, "PUT", "/api/config", data, headers={**h, "Content-Type": "application/json"},
                                  timeout=20)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["checks"], len(big["checks"]))
        shown = self.config_text()
        self.assertEqual(json.loads(shown), big, "served back as uploaded, the secret masked")
        self.assertIn("bulk-099", [c["id"] for c in json.loads(http_get(port, "/api/status")[2])["checks"]])
        slots = 2 * 18 * 4096
        with open(self.flash, "rb") as f:
            self.assertEqual(f.read(slots).count(b"s3cret-relay"), 2,
                             "the new slot too holds the stored secret the placeholder stood for")

        # A PUT cut off mid-body (the client closes): nothing of the stored config
        # changes, neither slot, and the next upload is taken.
        with open(self.flash, "rb") as f:
            stored_before = f.read(slots)
        other = json.dumps(running).encode()
        head = (f"PUT /api/config HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Cookie: {h['Cookie']}\r\nX-CSRF-Token: {h['X-CSRF-Token']}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(head + other + data[:20000])
            time.sleep(0.5)
        time.sleep(0.5)
        self.assertEqual(self.config_text(), shown)
        with open(self.flash, "rb") as f:
            self.assertEqual(f.read(slots), stored_before, "a cut upload wrote nothing into the config slots")
        # The box-wide upload was let go: the running config goes back in at once.
        status, _, body = request(port, "PUT", "/api/config", running, headers=h)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(self.config_text()), running)

    def test_6_login_throttling(self):
        # Asserted on what the box answers, never on how fast the test runs: a loaded
        # machine may take longer than a 1 s lockout between two requests.
        port = self.port
        codes = []
        for i in range(12):
            status, headers, _ = request(port, "POST", "/api/login", {"password": f"guess-{i}"})
            codes.append(status)
            if status == 429:
                break
        self.assertEqual(codes[:3], [401, 401, 401], "the first failures are answered")
        self.assertEqual(codes[-1], 429, f"repeated failures are throttled: {codes}")
        self.assertGreaterEqual(int(headers["Retry-After"]), 1)
        # Lock the address for longer than any request can take, then the right
        # password must wait too.
        for _ in range(10):
            if int(headers["Retry-After"]) >= 4:
                break
            time.sleep(int(headers["Retry-After"]) + 0.1)
            status, headers, _ = request(port, "POST", "/api/login", {"password": "still-guessing"})
            self.assertIn(status, (401, 429))
        self.assertGreaterEqual(int(headers["Retry-After"]), 4)
        status, headers, _ = request(port, "POST", "/api/login", {"password": NEW_PASSWORD})
        self.assertEqual(status, 429, "even the right password waits out the lockout")
        # Once the wait is over (per address and box-wide), the right password gets in.
        for _ in range(6):
            time.sleep(int(headers["Retry-After"]) + 0.2)
            status, headers, _ = request(port, "POST", "/api/login", {"password": NEW_PASSWORD})
            if status != 429:
                break
        self.assertEqual(status, 200)

    def test_7_malformed_and_hostile_requests(self):
        port = self.port
        h = session_headers(port) if port in __import__("simtest").SESSIONS else login(port, NEW_PASSWORD) and session_headers(port)
        self.assertEqual(request(port, "GET", "/../../etc/passwd")[0], 404)
        self.assertEqual(request(port, "GET", "/%2e%2e/app.js")[0], 404)
        self.assertEqual(request(port, "GET", "/app.js/../index.html")[0], 404)
        # Header injection: nothing from the request is echoed into a header.
        reply = raw_exchange(port, b"GET /api/session%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        head = reply.split(b"\r\n\r\n", 1)[0]
        self.assertNotIn(b"evil", head)
        self.assertTrue(raw_exchange(port, b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertTrue(raw_exchange(port, b"BLAH\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertTrue(raw_exchange(port, b"GET / HTTP/1.1\r\nX: " + b"a" * 4000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431"))
        self.assertTrue(raw_exchange(port, b"PUT /api/config HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                        .startswith(b"HTTP/1.1 411"))
        self.assertTrue(raw_exchange(port, b"PUT /api/config HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                        .startswith(b"HTTP/1.1 400"))
        # A body that never arrives is dropped after the request timeout, and the
        # server keeps answering meanwhile.
        with socket.create_connection(("127.0.0.1", port), timeout=15) as slow:
            slow.sendall(b"PUT /api/config HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            self.assertEqual(request(port, "GET", "/healthz")[0], 200)
            slow.settimeout(15)
            self.assertEqual(slow.recv(100), b"", "the half-sent request was dropped")
        self.assertEqual(request(port, "GET", "/nope", headers=h)[0], 404)
        self.assertEqual(request(port, "DELETE", "/api/status", headers=h)[0], 405)
        self.assertEqual(json.loads(http_get(port, "/api/status")[2])["device"]["name"], "probe-web")

    def test_8_keep_alive_and_gzip_assets(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            for path in ["/", "/app.js", "/app.css", "/healthz"]:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                r = conn.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
                if path != "/healthz":
                    self.assertEqual(r.headers["Content-Encoding"], "gzip")
                self.assertIn("default-src 'self'", r.headers["Content-Security-Policy"])
        finally:
            conn.close()

    def test_9_metrics_parse(self):
        status, headers, body = request(self.port, "GET", "/metrics")
        self.assertEqual(status, 200)
        promtool = shutil.which("promtool")
        if promtool:
            p = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True)
            # promtool lints names too; only parse errors fail here.
            self.assertNotIn(b"error while linting", p.stdout + p.stderr, p.stdout + p.stderr)
            self.assertNotIn(b"parse error", p.stdout + p.stderr)
        p = subprocess.run(["/usr/bin/python3", "-c",
                            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as f\n"
                            "print(len(list(f(sys.stdin.read()))))"], input=body, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreater(int(p.stdout), 5)

    def test_z_a_login_does_not_stall_the_loop(self):
        # The password check (10,000 HMACs) runs a slice per main-loop step with the
        # login pending, so a /healthz sent while it runs is answered before it. When
        # the whole check ran in one step (the old code, and test_7's flake under
        # load), every other request waited for it: /healthz came back second.
        port = self.port
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            body = json.dumps({"password": NEW_PASSWORD}).encode()
            s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            time.sleep(0.05)  # the login is in the box and its check has begun
            status, _, _ = request(port, "GET", "/healthz", timeout=30)
            self.assertEqual(status, 200)
            login_answered_first = bool(select.select([s], [], [], 0)[0])
            answer = read_to_end(s)
        self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
        self.assertFalse(login_answered_first, "/healthz waited for the login's password check")
        # The figure for the record: the longest whole main-loop step so far.
        login(port, NEW_PASSWORD)
        diag = json.loads(http_get(port, "/api/diagnostics")[2])
        print(f"longest main-loop step: {diag['longest_loop_step_us'] / 1000:.1f} ms "
              f"(scheduler part {diag['longest_step_us'] / 1000:.1f} ms)")

    def test_zz_logged_out_session_is_refused(self):
        port = self.port
        login(port, NEW_PASSWORD)
        h = session_headers(port)
        before = self.config_text()
        self.assertEqual(request(port, "POST", "/api/logout", headers=h)[0], 200)
        for method, path in [("GET", "/api/status"), ("PUT", "/api/config"), ("POST", "/api/checks/web-a/run")]:
            body = self.doc if method == "PUT" else None
            self.assertEqual(request(port, method, path, body, headers=h)[0], 401, f"{method} {path} after logout")
        login(port, NEW_PASSWORD)
        self.assertEqual(self.config_text(), before)


if __name__ == "__main__":
    unittest.main()
