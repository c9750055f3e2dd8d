"""The box on the Cortex-M target's limits (issue 20): the simulator built with the
mps2-an386 board's capacities (PROBEBOX_TARGET_LIMITS: 128 checks, 16 probes in
flight, one TLS client session and one HTTPS session in the mbedTLS arena, the
target's lwIP heap and pools) fills 128 mixed checks against the lab, with the
web UI's HTTPS session busy while the cycle runs, and every check gets its
expected verdict; the largest chain the box must read (a ~15 KB Certificate
message, the lab's big-chain scenario) among them. Then the run-time high-water
marks are printed and each must be below its limit: the arena per pool (client
sessions, server session, shared), the lwIP heap and pools, the connections."""
import http.client
import json
import os
import ssl
import threading
import time
import unittest

import simtest
from simtest import FIRST_BOOT, HOST, lab_session, running_sim

TARGET_SIM = os.environ.get("PROBEBOX_SIM_TARGET_LIMITS", "")
CHECKS = 128
NEW_PASSWORD = "target limits password"
IN_FLIGHT = 16


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the box's self-signed certificate; test_https pins it
    return ctx


class Ui:
    """One HTTPS session of the web UI, kept alive: login, then API reads."""

    def __init__(self, port):
        self.port = port
        self.conn = None
        self.cookie = None
        self.csrf = None

    def call(self, method, path, body=None):
        return self.call_with({"Cookie": self.cookie} if self.cookie else {}, method, path, body)

    def call_with(self, base_headers, method, path, body=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=15, context=context())
                headers = dict(base_headers)
                data = None
                if body is not None:
                    data = json.dumps(body).encode()
                    headers["Content-Type"] = "application/json"
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                return r.status, r.headers, r.read()
            except (OSError, http.client.HTTPException):
                # The box's one HTTPS session may be given to another connection
                # when this one is idle (web/http_server.cpp): reconnect.
                self.close()
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def login(self, password):
        status, headers, body = self.call("POST", "/api/login", {"password": password})
        if status != 200:
            raise AssertionError(f"login failed: {status} {body!r}")
        self.cookie = headers["Set-Cookie"].split(";", 1)[0]
        self.csrf = json.loads(body)["csrf"]

    def run_now(self, check_id):
        """POST /api/checks/<id>/run: the check is due at once."""
        headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}
        status, _, body = self.call_with(headers, "POST", f"/api/checks/{check_id}/run")
        if status not in (200, 202, 204):
            raise AssertionError(f"run {check_id}: {status} {body[:200]!r}")

    def get(self, path):
        status, _, body = self.call("GET", path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:200]!r}")
        return json.loads(body)

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def config(lab):
    tls, smtp, mesh = lab.ports["tls"], lab.ports["smtp"], lab.ports["mesh"]
    checks = []

    def tls_cert(scenario, n):
        checks.append({"id": f"cert-{scenario}-{n}", "type": "tls_cert", "host": HOST,
                       "port": tls["scenarios"][scenario]["port"], "server_name": "manage.lab.test",
                       "names": ["manage.lab.test"]})

    for n in range(2):
        for scenario in ("good", "ec", "big-chain"):
            tls_cert(scenario, n)
    for n in range(2):
        checks.append({"id": f"smtp-{n}", "type": "smtp", "host": HOST, "port": smtp["ok"]["port"],
                       "server_name": "relay.lab.test", "username": "probe", "password": "secret"})
    # The lab's /testall answers after a second (set by the test): these keep 16 probes
    # in flight while the others run.
    for n in range(24):
        checks.append({"id": f"testall-{n}", "type": "http", "url": f"http://{HOST}:{lab.ports['testall']}/testall"})
    for n in range(12):
        checks.append({"id": f"dns-{n}", "type": "dns", "server": f"{HOST}:{lab.ports['dns']}",
                       "name": "manage.lab.test"})
    for n in range(4):
        checks.append({"id": f"ntp-{n}", "type": "ntp", "server": f"{HOST}:{lab.ports['sntp']}"})
    n = 0
    while len(checks) < CHECKS:
        port = mesh[n % len(mesh)]
        checks.append({"id": f"mesh-{port}-{n}", "type": "tcp", "host": HOST, "port": port})
        n += 1
    return {"schema": 1, "trust_anchors_pem": tls["root_pem"],
            "defaults": {"interval_s": 300, "timeout_ms": 5000, "confirm": 1}, "checks": checks}


def pem_of(lines):
    """A PEM-shaped root of `lines` 64-character lines: its line breaks are JSON
    escapes, so the box copies it into the config arena (it cannot be read in place)."""
    return "-----BEGIN CERTIFICATE-----\n" + "".join("A" * 64 + "\n" for _ in range(lines)) + \
        "-----END CERTIFICATE-----\n"


@unittest.skipUnless(TARGET_SIM, "PROBEBOX_SIM_TARGET_LIMITS not set (tests/CMakeLists.txt sets it)")
class TargetLimits(unittest.TestCase):
    def test_128_checks_16_in_flight_two_tls_sessions(self):
        lab = lab_session(self)
        simtest.SIM = TARGET_SIM  # running_sim starts this binary
        try:
            lab.set("testall", "slow:1000")
            doc = config(lab)
            self.assertEqual(len(doc["checks"]), CHECKS)
            https_port = simtest.free_port()
            with running_sim(doc, https_port=https_port) as (proc, port):
                ui = Ui(https_port)
                ui.login(FIRST_BOOT[port])
                # Actions need the first-boot password changed: then a fresh login.
                status_pw, _, body_pw = ui.call_with({"Cookie": ui.cookie, "X-CSRF-Token": ui.csrf}, "POST",
                                                     "/api/password", {"current": FIRST_BOOT[port], "new": NEW_PASSWORD})
                self.assertEqual(status_pw, 200, body_pw)
                ui.login(NEW_PASSWORD)
                # The first cycle starts the checks four at a time, 20 ms apart, and
                # the slow /testall runs fill the 16 slots; the API makes each due
                # again, so the slots stay full while the UI reads.
                for c in sorted(doc["checks"], key=lambda c: not c["id"].startswith("testall-")):
                    ui.run_now(c["id"])
                # The HTTPS session reads the status over and over while the cycle's
                # probes run, until every check has its result.
                reads = {"n": 0, "status": None}
                errors = []

                def browse():
                    deadline = time.monotonic() + 90
                    while time.monotonic() < deadline:
                        try:
                            doc_now = ui.get("/api/status")
                        except Exception as e:  # noqa: BLE001 - reported by the test
                            errors.append(repr(e))
                            return
                        reads["n"] += 1
                        if all(c["summary"] != "not run yet" for c in doc_now["checks"]):
                            reads["status"] = doc_now
                            return

                started = time.monotonic()
                reader = threading.Thread(target=browse, daemon=True)
                reader.start()
                reader.join(100)
                cycle_s = time.monotonic() - started
                self.assertEqual(errors, [])
                status = reads["status"]
                self.assertIsNotNone(status, "the cycle of 128 checks did not complete in 90 s")
                diag = ui.get("/api/diagnostics")
                ui.close()
        finally:
            simtest.SIM = os.environ.get("PROBEBOX_SIM", "")
            lab.down()

        by_id = {c["id"]: c for c in status["checks"]}
        self.assertEqual(len(by_id), CHECKS)
        # Every check has its verdict: ok, but the EC certificate (the appliance needs RSA).
        expected = {k: "critical" if k.startswith("cert-ec-") else "ok" for k in by_id}
        wrong = {k: (c["status"], c["summary"]) for k, c in by_id.items() if c["status"] != expected[k]}
        self.assertEqual(wrong, {})
        for k in (k for k in by_id if k.startswith("cert-big-chain-")):
            self.assertIn("valid", by_id[k]["summary"])  # the ~15 KB chain was read and judged
        self.assertGreater(reads["n"], 0)

        pools = diag["tls_pools"]
        marks = [("max_in_flight", diag["max_in_flight"], IN_FLIGHT)]
        for name in ("client", "server", "shared"):
            marks.append((f"tls_{name}", pools[name]["max"], pools[name]["avail"]))
        for name in ("tcp_pcb", "udp_pcb", "pbuf_pool", "tcp_seg", "lwip_heap"):
            marks.append((name, diag[name]["max"], diag[name]["avail"]))
        print(f"\ntarget limits: {CHECKS} checks, cycle {cycle_s:.1f} s with {reads['n']} HTTPS reads alongside")
        for name, high, limit in marks:
            print(f"  high-water {name:14} {high:>7} of {limit}")
        rp, ev = diag["result_pool"], diag["event_log"]
        print(f"  result pool: live {rp['used']}, high-water {rp['max']} of {rp['avail']}, "
              f"{rp['truncations']} results cut; event log {ev['events']} events in {ev['used']} of {ev['avail']} bytes")
        print(f"  tls_arena total {diag['tls_arena']['max']} of {diag['tls_arena']['avail']}; "
              f"pool failures {[pools[n]['err'] for n in ('client', 'server', 'shared')]}")

        # 16 probes did run at once: the limit was reached, never passed.
        self.assertEqual(diag["max_in_flight"], IN_FLIGHT)
        # Both kinds of TLS session ran: each pool was used, none ever refused a block.
        self.assertGreater(pools["client"]["max"], 16 * 1024)  # a record buffer at least
        self.assertGreater(pools["server"]["max"], 16 * 1024)
        for name in ("client", "server", "shared"):
            self.assertLess(pools[name]["max"], pools[name]["avail"], name)
            self.assertEqual(pools[name]["err"], 0, name)
        for name in ("udp_pcb", "tcp_seg", "lwip_heap"):
            self.assertLess(diag[name]["max"], diag[name]["avail"], name)
            self.assertEqual(diag[name]["err"], 0, name)
        # The pcb pool fills with TIME_WAIT pcbs, which lwIP recycles (oldest first)
        # when a connection needs one: never a refused connection (err).
        self.assertLessEqual(diag["tcp_pcb"]["max"], diag["tcp_pcb"]["avail"])
        self.assertEqual(diag["tcp_pcb"]["err"], 0)
        # Received frames may exhaust the pool for an instant (dropped, resent by TCP);
        # it must never hold more than it has.
        self.assertLessEqual(diag["pbuf_pool"]["max"], diag["pbuf_pool"]["avail"])


    # The target's config arena (PROBEBOX_TARGET_CONFIG_ARENA_BYTES, 8 KiB) holds what a
    # config read in place cannot leave in the document: a 2 KiB private root and 128
    # checks fit; a document whose escaped strings outgrow it is refused, naming the
    # string that did not fit, and nothing runs.
    def run_target(self, doc):
        simtest.SIM = TARGET_SIM
        try:
            return simtest.run_once(doc, timeout=60)
        finally:
            simtest.SIM = os.environ.get("PROBEBOX_SIM", "")

    def arena_doc(self, pem_lines, checks):
        return {"schema": 1, "trust_anchors_pem": pem_of(pem_lines),
                "checks": [{"id": f"c-{n:03d}", "type": "tcp", "host": HOST, "port": 9,
                            "timeout_ms": 200} for n in range(checks)]}

    def test_config_arena_holds_a_private_root_and_128_checks(self):
        code, out, err = self.run_target(self.arena_doc(24, CHECKS))
        self.assertNotIn("invalid config", err)
        self.assertIsNotNone(out, err)
        self.assertEqual(len(out["checks"]), CHECKS)

    def test_config_arena_refuses_escaped_strings_past_it_with_their_path(self):
        code, out, err = self.run_target(self.arena_doc(140, 4))  # a 9 KiB root
        self.assertNotEqual(code, 0)
        self.assertIsNone(out)
        self.assertIn("invalid config", err)
        self.assertIn("trust_anchors_pem: config too large", err)

    # An http check's status codes (2 bytes each) are kept in the same arena: with a
    # root that leaves 12 bytes of it, 4 codes fit and 8 are refused with their path.
    def status_doc(self, codes):
        free = 12
        body = 8192 - free - len("-----BEGIN CERTIFICATE-----\n") - len("-----END CERTIFICATE-----\n")
        pem = "-----BEGIN CERTIFICATE-----\n" + "".join("A" * 64 + "\n" for _ in range(body // 65)) + \
            "A" * (body % 65 - 1) + "\n" + "-----END CERTIFICATE-----\n"
        self.assertEqual(len(pem), 8192 - free)
        return {"schema": 1, "trust_anchors_pem": pem,
                "checks": [{"id": "web", "type": "http", "url": f"http://{HOST}:9/",
                            "expect_status": list(range(200, 200 + codes)), "timeout_ms": 200}]}

    def test_config_arena_holds_status_codes_to_its_end_and_refuses_past_it_with_their_path(self):
        code, out, err = self.run_target(self.status_doc(4))
        self.assertNotIn("invalid config", err)
        self.assertIsNotNone(out, err)
        self.assertEqual(len(out["checks"]), 1)
        code, out, err = self.run_target(self.status_doc(8))
        self.assertNotEqual(code, 0)
        self.assertIsNone(out)
        self.assertIn("checks[0].expect_status: config too large", err)


if __name__ == "__main__":
    unittest.main()
