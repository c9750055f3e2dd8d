"""The http probe against the lab's /testall: every verdict rule of checks.md."""
import os
import tempfile
import unittest

from simtest import HOST, Listener, by_id, lab_session, run_once

# The appliance's authenticated endpoints (appliance-requirements A2): the profile
# generates one check per node for each.
HEALTH_ENDPOINTS = ("services", "disk", "memory", "db", "network", "replicaset", "internet", "email")


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.base = f"http://{HOST}:{cls.lab.ports['testall']}"

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_mode(self, mode, **check):
        self.lab.set("testall", mode)
        doc = {"schema": 1, "defaults": {"timeout_ms": 3000, "latency_warn_ms": 1000},
               "checks": [dict({"id": "h", "type": "http", "url": f"{self.base}/testall"}, **check)]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        return by_id(out)["h"]

    def test_healthy(self):
        c = self.run_mode("ok")
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertEqual(c["details"]["http_status"], 200)
        self.assertTrue(c["details"]["body_match"])
        self.assertEqual(c["details"]["services_down"], [])
        self.assertLessEqual(abs(c["details"]["server_date_skew_s"]), 2)
        self.assertEqual(c["group"], "health")

    def test_unhealthy_lists_the_services_down(self):
        c = self.run_mode("fail")
        self.assertEqual(c["status"], "critical")
        self.assertEqual(c["details"]["http_status"], 500)
        self.assertEqual(c["details"]["services_down"], ["manage", "users"])
        self.assertIn("manage", c["summary"])

    def test_testall_in_another_content_type_is_a_warning(self):
        # appliance-requirements A1: healthy is 200, text/plain, OK; the same body as
        # text/html is not the health endpoint answering.
        c = self.run_mode("html")
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertEqual(c["details"]["http_status"], 200)
        self.assertTrue(c["details"]["body_match"])
        self.assertIn("text/html", c["summary"])
        self.assertIn("not text/plain", c["summary"])

    def test_stall_times_out(self):
        c = self.run_mode("stall", timeout_ms=1500)
        self.assertEqual(c["status"], "critical")
        self.assertIsNone(c["details"]["http_status"])
        self.assertGreaterEqual(c["latency_ms"], 1500)

    def test_slow_is_a_warning(self):
        c = self.run_mode("slow:1300")
        self.assertEqual(c["status"], "warning", c["summary"])

    def test_chunked_body(self):
        c = self.run_mode("chunked")
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertTrue(c["details"]["body_match"])

    def test_redirect_is_reported_not_followed(self):
        c = self.run_mode("redirect")
        self.assertEqual(c["status"], "critical")
        self.assertEqual(c["details"]["location"], "https://manage.lab.test/testall")
        c = self.run_mode("redirect", expect_status=[301])
        self.assertEqual(c["status"], "ok", c["summary"])  # the HTTPS-only exposure check

    def test_warn_status(self):
        c = self.run_mode("fail", warn_status=[500])
        self.assertEqual(c["status"], "warning")

    def test_wrong_body(self):
        c = self.run_mode("ok", expect_body="healthy")
        self.assertEqual(c["status"], "critical")
        self.assertFalse(c["details"]["body_match"])

    def test_server_clock_skew_is_a_warning(self):
        c = self.run_mode("skew")
        self.assertEqual(c["status"], "warning", c["summary"])
        self.assertAlmostEqual(c["details"]["server_date_skew_s"], 120, delta=3)

    def test_service_down_is_critical(self):
        try:
            c = self.run_mode("down")
        finally:
            self.lab.set("testall", "ok")
        self.assertEqual(c["status"], "critical")
        self.assertIn("refused", c["summary"])

    def test_authenticated_health_endpoint(self):
        """The health API key goes only over https to a certificate that verifies for
        the name; the lab's TLS servers record whether a request carried credentials."""
        key = self.lab.ports["health_api_key"]
        tls = self.lab.ports["tls"]
        good, selfsigned = tls["scenarios"]["good"], tls["scenarios"]["self-signed"]

        def requests(scenario):
            with open(scenario["requests"]) as f:
                return f.read().splitlines()

        seen_good, seen_self = len(requests(good)), len(requests(selfsigned))

        def health(check_id, scenario, password=key, **extra):
            return dict({"id": check_id, "type": "http", "host_header": "manage.lab.test",
                         "url": f"https://{HOST}:{scenario['port']}/health/status/services",
                         "username": "api_keys_health", "password": password,
                         "expect_status": [204], "warn_status": [520, 429]}, **extra)

        doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 4000},
               "checks": [health("good", good), health("wrong-key", good, password="wrong"),
                          health("self-signed", selfsigned),
                          # No Host header: the name held to the certificate is the address.
                          {k: v for k, v in health("by-address", good).items() if k != "host_header"}]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        r = by_id(out)
        self.assertEqual(r["good"]["status"], "ok", r["good"]["summary"])
        self.assertEqual(r["good"]["details"]["http_status"], 204)
        self.assertEqual(r["wrong-key"]["status"], "critical")
        self.assertEqual(r["wrong-key"]["details"]["http_status"], 401)
        self.assertEqual(r["self-signed"]["status"], "critical")
        self.assertIn("not trusted", r["self-signed"]["summary"])
        self.assertEqual(r["by-address"]["status"], "critical")
        self.assertIn("not for 10.0.2.2", r["by-address"]["summary"])
        self.assertEqual(requests(selfsigned)[seen_self:], [])
        self.assertEqual(sorted(requests(good)[seen_good:]), ["/health/status/services auth"] * 2)

        # Without trust anchors nothing verifies: no request at all.
        doc = {"schema": 1, "defaults": {"timeout_ms": 4000}, "checks": [health("no-anchors", good)]}
        code, out, err = run_once(doc)
        self.assertIsNotNone(out, err)
        self.assertEqual(by_id(out)["no-anchors"]["status"], "critical")
        self.assertEqual(len(requests(good)), seen_good + 2)

    def test_profile_health_checks_only_over_verified_https(self):
        """The appliance profile's /health/status/* checks carry the health API key:
        generated over https with the dashboard's name, sent only when the
        certificate verifies (here: with and without the lab's CA as anchor)."""
        tls = self.lab.ports["tls"]
        good = tls["scenarios"]["good"]
        with open(good["requests"]) as f:
            seen = len(f.read().splitlines())
        profile = {"name": "prod", "nodes": [HOST],
                   "domain_names": {"dashboard": "manage.lab.test", "root_tenant_authority": "rta.lab.test",
                                    "webtask": "webtask.lab.test", "app_tenants": ["app1.lab.test"]},
                   "ports": {"https": good["port"], "http": self.lab.ports["testall"], "mesh": []},
                   "health_api_key": self.lab.ports["health_api_key"], "egress": []}
        results = {}
        for label, anchors in (("verified", True), ("unverified", False)):
            doc = {"schema": 1, "defaults": {"timeout_ms": 4000}, "appliance": profile}
            if anchors:
                doc["trust_anchors_pem"] = tls["root_pem"]
            code, out, err = run_once(doc)
            self.assertIsNotNone(out, err)
            results[label] = {k: v for k, v in by_id(out).items() if ".health." in k}
            with open(good["requests"]) as f:
                got = f.read().splitlines()[seen:]
            seen += len(got)
            got = [line for line in got if line.startswith("/health/")]  # /testall goes there too
            if anchors:
                self.assertEqual(sorted(got), sorted(f"/health/status/{e} auth" for e in HEALTH_ENDPOINTS))
            else:
                self.assertEqual(got, [])
        self.assertEqual(len(results["verified"]), 8, list(results["verified"]))
        for check_id, c in results["verified"].items():
            self.assertEqual(c["status"], "ok", (check_id, c["summary"]))
        for check_id, c in results["unverified"].items():
            self.assertEqual(c["status"], "critical", check_id)
            self.assertIn("credentials not sent", c["summary"])

    def test_basic_credentials_never_over_plain_http(self):
        """A plain-http URL with credentials: refused before any connection (a
        listener here counts connections: none)."""
        listener = Listener(max_s=60)
        try:
            c = self.run_mode("ok", url=f"http://{HOST}:{listener.port}/health/status/services",
                              username="api_keys_health", password=self.lab.ports["health_api_key"],
                              expect_status=[204])
        finally:
            listener.close()
        self.assertEqual(c["status"], "critical")
        self.assertIn("credentials not sent", c["summary"])
        self.assertEqual(listener.accepted, 0)

    def test_https_through_the_load_balancer(self):
        tls = self.lab.ports["tls"]
        port = tls["scenarios"]["good"]["port"]
        doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 4000},
               "checks": [
                   {"id": "lb", "type": "http", "url": f"https://{HOST}:{port}/testall",
                    "host_header": "manage.lab.test"},
                   {"id": "wrong-name", "type": "http", "url": f"https://{HOST}:{port}/testall"},
                   {"id": "no-intermediate", "type": "http", "host_header": "manage.lab.test",
                    "url": f"https://{HOST}:{tls['scenarios']['no-intermediate']['port']}/testall"},
                   {"id": "garbage", "type": "http", "host_header": "manage.lab.test",
                    "url": f"https://{HOST}:{tls['scenarios']['garbage']['port']}/testall"}]}
        code, out, err = run_once(doc)
        r = by_id(out)
        self.assertEqual(r["lb"]["status"], "ok", r["lb"]["summary"])
        self.assertEqual(r["lb"]["details"]["http_status"], 200)
        self.assertTrue(r["lb"]["details"]["body_match"])
        self.assertEqual(r["wrong-name"]["status"], "critical")
        self.assertIn("not for this host", r["wrong-name"]["summary"])
        self.assertEqual(r["no-intermediate"]["status"], "critical")
        self.assertIn("does not verify", r["no-intermediate"]["summary"])
        self.assertEqual(r["garbage"]["status"], "critical")
        self.assertIn("TLS", r["garbage"]["summary"])


    def test_https_verifies_to_the_public_roots_without_anchors(self):
        """No trust_anchors_pem: the certificate is verified to the public roots — the
        lab's root as the simulator's test set passes, Debian's set does not, and
        public_roots false leaves an https request unverified, as before."""
        tls = self.lab.ports["tls"]
        port = tls["scenarios"]["good"]["port"]

        def run(public_roots=None, lab_root_public=True):
            check = {"id": "lb", "type": "http", "url": f"https://{HOST}:{port}/testall",
                     "host_header": "manage.lab.test"}
            if public_roots is not None:
                check["public_roots"] = public_roots
            doc = {"schema": 1, "defaults": {"timeout_ms": 4000}, "checks": [check]}
            with tempfile.TemporaryDirectory() as tmp:
                args = ()
                if lab_root_public:
                    path = os.path.join(tmp, "roots.pem")
                    with open(path, "w") as f:
                        f.write(tls["root_pem"])
                    args = ("--public-roots-pem", path)
                code, out, err = run_once(doc, extra_args=args)
            self.assertIsNotNone(out, err)
            return by_id(out)["lb"]
        c = run()
        self.assertEqual(c["status"], "ok", c["summary"])
        c = run(lab_root_public=False)
        self.assertEqual(c["status"], "critical")
        self.assertIn("does not verify", c["summary"])
        c = run(public_roots=False, lab_root_public=False)
        self.assertEqual(c["status"], "ok", c["summary"])

if __name__ == "__main__":
    unittest.main()
