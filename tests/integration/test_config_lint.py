"""The config's lint is seen (issue 19): the appliance profile's DNS plan and cluster
findings are in `--once` (spec/cli.md: `warnings`, each with its JSON path), in
/api/status and /api/report, and a stored config with findings sends one syslog
LINT line per finding."""
import json
import socket
import unittest

from simtest import FIRST_BOOT, HOST, http_get, login, request, run_once, running_sim, session_headers

NEW_PASSWORD = "lint-test-password-1"


def profile(nodes, rta="rta.lab.test"):
    return {"schema": 1,
            "appliance": {"name": "prod", "load_balancer": HOST, "nodes": nodes,
                          "domain_names": {"dashboard": "manage.lab.test", "root_tenant_authority": rta,
                                           "webtask": "webtask.lab.test", "app_tenants": ["app1.lab.test"]},
                          "ports": {"https": 1, "http": 2, "mesh": [3]}},
            "defaults": {"timeout_ms": 300}}


def paths(doc):
    return {w["path"]: w["message"] for w in doc["warnings"]}


class ConfigLint(unittest.TestCase):
    def test_once_carries_the_warnings_with_their_paths(self):
        code, out, err = run_once(profile([HOST, HOST], rta="my_rta.lab.test"), timeout=60)
        self.assertIsNotNone(out, err)
        found = paths(out)
        self.assertEqual(found.get("appliance.nodes"), "a cluster needs at least three nodes (two given)")
        self.assertIn("underscores", found.get("appliance.domain_names.root_tenant_authority", ""))
        code, out, err = run_once(profile([HOST]), timeout=60)
        self.assertEqual(out["warnings"], [])

    def test_status_report_and_syslog_show_the_warnings_of_a_stored_config(self):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(10)
        try:
            clean = profile([HOST])
            clean["alerts"] = {"syslog": {"server": f"{HOST}:{rx.getsockname()[1]}"}}
            with running_sim(clean) as (_, port):
                self.assertEqual(json.loads(http_get(port, "/api/status")[2])["warnings"], [])
                s = login(port)
                h = {"Cookie": s["cookie"], "X-CSRF-Token": s["csrf"]}
                status, _, body = request(port, "POST", "/api/password",
                                          {"current": FIRST_BOOT[port], "new": NEW_PASSWORD}, headers=h)
                self.assertEqual(status, 200, body)
                login(port, NEW_PASSWORD)
                linted = profile([HOST, HOST])
                linted["alerts"] = clean["alerts"]
                status, _, body = request(port, "PUT", "/api/config", linted,
                                          headers={**session_headers(port), "Content-Type": "application/json"})
                self.assertEqual(status, 200, body)
                lines = []
                while not any(" LINT " in l for l in lines):
                    lines.append(rx.recv(2048).decode())
                lint = [l for l in lines if " LINT " in l]
                self.assertIn('path="appliance.nodes"] a cluster needs at least three nodes (two given)', lint[0])
                self.assertTrue(lint[0].startswith("<132>1 "), lint[0])  # local0.warning
                self.assertIn("appliance.nodes", paths(json.loads(http_get(port, "/api/status")[2])))
                self.assertIn("appliance.nodes", paths(json.loads(http_get(port, "/api/report")[2])))
        finally:
            rx.close()


if __name__ == "__main__":
    unittest.main()
