"""The appliance profile on the network lab: the lab's appliance typed in as an
operator would (load balancer, three nodes, the four names, the relay, the health
API key, the dev environment), nothing else. Every check it expands into
(spec/checks.md, "The appliance profile") is ok on the healthy lab, and each fault of
docs/netlab.md's table turns exactly the generated checks of its row, and the
requirements report's row it guards to `not met` (and back: the last test finds every
checkable row met again once the faults are gone)."""
import json
import os
import tempfile
import unittest

import netlabtest as nt
from netlabtest import MESH, NAMES, NODES, by_id, statuses

LABELS = [n.split(".")[0] for n in NAMES]  # manage, rta, webtask, app1
HEALTH = ["services", "disk", "memory", "db", "network", "replicaset", "internet", "email"]
EGRESS = [f"prod.egress.{n.split('.')[0]}" for n in nt.netlab.EGRESS]
OTHER_PORTS = [443] + MESH


def certs(k):
    return [f"prod.node{k}.cert.{label}" for label in LABELS]


def health(k):
    return [f"prod.node{k}.health.{x}" for x in HEALTH]


def mesh(k):
    return [f"prod.node{k}.{p}" for p in MESH]


LB_CERTS = [f"prod.cert.{label}" for label in LABELS]


def expected_ids():
    ids = list(LB_CERTS)
    for k in NODES:
        ids += certs(k)
    ids += [f"prod.https-only.{label}" for label in LABELS]
    ids += [f"prod.dns.{label}" for label in LABELS]
    for k in NODES:
        ids += mesh(k)
    ids += ["prod.lb.443"] + [f"prod.node{k}.testall" for k in NODES] + ["prod.lb.testall"]
    for k in NODES:
        ids += health(k)
    ids += ["prod.smtp", "prod.ntp"] + EGRESS + [f"prod.other1.{p}" for p in OTHER_PORTS]
    return ids


def profile(other_cert_sha256=None):
    return {"name": "prod", "load_balancer": nt.netlab.LB, "nodes": list(NODES.values()),
            "domain_names": {"dashboard": NAMES[0], "root_tenant_authority": NAMES[1], "webtask": NAMES[2],
                             "app_tenants": NAMES[3:]},
            "smtp": {"host": "smtp.example.com", "port": 587, "username": nt.netlab.SMTP_USER,
                     "password": nt.netlab.SMTP_PASSWORD},
            "health_api_key": nt.netlab.HEALTH_KEY,
            # dev's certificate is its own (a fingerprint no lab server has)
            "other_environment": {"nodes": [nt.netlab.DEV_NODE], "cert_sha256": [other_cert_sha256 or "0f" * 32]}}


# (fault, value, healthy value, {check: status it must turn to}, {check: statuses it may show})
FAULTS = [
    ("node:2", "down", "up",
     {**{i: "critical" for i in mesh(2) + certs(2) + health(2)}, "prod.node2.testall": "critical"}, {}),
    ("testall:1", "fail", "ok", {"prod.node1.testall": "critical", **{i: "warning" for i in health(1)}}, {}),
    ("cert:3", "other", "same", {i: "warning" for i in certs(3)}, {i: {"ok", "warning"} for i in LB_CERTS}),
    ("cert:2", "nointermediate", "same",
     {**{i: "critical" for i in certs(2) + health(2)}, "prod.node2.testall": "critical"},
     # The balancer's check (TCP, verify none) keeps node 2 in: users reach its broken
     # chain, so the balancer is judged not health-checking (monitor/lb_health).
     {**{i: {"ok", "critical"} for i in LB_CERTS}, "prod.lb.testall": {"ok", "warning"}}),
    ("mesh:1:27017", "drop", "open", {"prod.node1.27017": "critical"}, {}),
    ("mesh:3:8721", "reject", "open", {"prod.node3.8721": "critical"}, {}),
    # Forwarded to dev: its node listens on 443 and 7777, and refuses the rest (it
    # answers: isolation not proven).
    ("dev", "open", "drop", {"prod.other1.443": "critical", "prod.other1.7777": "critical",
                             **{f"prod.other1.{p}": "warning" for p in MESH[1:]}}, {}),
    ("dev", "rst", "drop", {f"prod.other1.{p}": "warning" for p in OTHER_PORTS}, {}),
    ("dev", "icmp", "drop", {}, {}),
    ("smtp", "noplain", "ok", {"prod.smtp": "critical"}, {}),
    ("smtp", "nostarttls", "ok", {"prod.smtp": "warning"}, {}),
    ("dns", "wrong", "ok", {"prod.dns.manage": "critical"}, {}),
    ("ntp", "offset:300", "ok", {"prod.ntp": "critical"}, {}),
    ("egress", "proxy", "direct", {i: "critical" for i in EGRESS}, {}),
    ("lb", "nocheck", "check", {}, {}),
]


# The report row each fault must turn to "not met" (the row the checks of its table row
# guard); None: the fault is one the appliance tolerates, every row stays as it was.
REPORT_ROWS = {
    ("node:2", "down"): "health.nodes",
    ("testall:1", "fail"): "health.nodes",
    ("cert:3", "other"): "cert.unique",
    ("cert:2", "nointermediate"): "cert.chain",
    ("mesh:1:27017", "drop"): "ports.nodes",
    ("mesh:3:8721", "reject"): "ports.nodes",
    ("dev", "open"): "isolation",
    ("dev", "rst"): "isolation",
    ("dev", "icmp"): None,
    ("smtp", "noplain"): "smtp",
    ("smtp", "nostarttls"): "smtp",
    ("dns", "wrong"): "dns.records",
    ("ntp", "offset:300"): "time",
    ("egress", "proxy"): "egress",
    ("lb", "nocheck"): None,
}


def verdicts(report):
    return {row["id"]: row["verdict"] for row in report["requirements"]}


def setUpModule():
    nt.require_lab()


class ProfileOnTheLab(nt.LabTestCase):
    def run_profile(self, timeout_ms=None, with_report=False, **kw):
        doc = nt.config(self.lab, [])
        if timeout_ms:
            doc["defaults"]["timeout_ms"] = timeout_ms
        doc["appliance"] = profile(**kw)
        with tempfile.TemporaryDirectory() as tmp:
            report_path = os.path.join(tmp, "report.json")
            rc, out, err = self.lab.run_box(doc, extra_args=("--report-out", report_path))
            self.assertIsNotNone(out, err)
            with open(report_path) as f:
                report = json.load(f)
        return (out, report) if with_report else out

    def assert_report_baseline(self, report):
        """Every row the box can check is met on the healthy lab (all met)."""
        rows = verdicts(report)
        self.assertEqual({i: v for i, v in rows.items() if v == "not met"}, {}, report)
        self.assertTrue(report["all_met"], report)

    def assert_turns(self, fault, value, healthy, must, may):
        self.lab.set(fault, value)
        try:
            doc, report = self.run_profile(with_report=True)
        finally:
            self.lab.set(fault, healthy)
        row = REPORT_ROWS[(fault, value)]
        rows = verdicts(report)
        if row is None:
            self.assertEqual({i: v for i, v in rows.items() if v == "not met"}, {}, f"{fault}={value}")
        else:
            self.assertEqual(rows[row], "not met", f"{fault}={value}: report row {row}")
            self.assertFalse(report["all_met"])
        got = statuses(doc)
        checks = by_id(doc)
        self.assertEqual(sorted(got), sorted(expected_ids()))
        for check_id, want in must.items():
            self.assertEqual(got[check_id], want, f"{fault}={value}: {check_id}: {checks[check_id]['summary']}")
        for check_id, status in got.items():
            if check_id in must:
                continue
            self.assertIn(status, may.get(check_id, {"ok"}),
                          f"{fault}={value} also turned {check_id}: {checks[check_id]['summary']}")
        return checks

    def test_00_every_generated_check_ok(self):
        doc, report = self.run_profile(with_report=True)
        self.assert_report_baseline(report)
        self.assertEqual([c["id"] for c in doc["checks"]], expected_ids())
        checks = by_id(doc)
        bad = {i: (c["status"], c["summary"]) for i, c in checks.items() if c["status"] != "ok"}
        self.assertEqual(bad, {})
        self.assertEqual(doc["overall"], "ok")
        # The real servers, on their real ports.
        node_sha = self.lab.state["fingerprints"]["node"]
        for k in NODES:
            for c in certs(k):
                self.assertEqual(checks[c]["details"]["sha256"].lower(), node_sha)
                self.assertEqual(checks[c]["details"]["missing_names"], [])
            for c in mesh(k):
                self.assertEqual(checks[c]["details"]["state"], "open")
            self.assertEqual(checks[f"prod.node{k}.testall"]["details"]["http_status"], 200)
            for c in health(k):
                self.assertEqual(checks[c]["details"]["http_status"], 204)
        for label, name in zip(LABELS, NAMES):
            redirect = checks[f"prod.https-only.{label}"]["details"]
            self.assertEqual(redirect["http_status"], 301)
            self.assertTrue(redirect["location"].startswith(f"https://{name}/"), redirect)
            self.assertEqual(checks[f"prod.dns.{label}"]["details"]["addresses"], [nt.netlab.LB])
        self.assertEqual(checks["prod.smtp"]["details"]["auth_ok"], True)
        for c in EGRESS:
            self.assertEqual(checks[c]["details"]["sha256"].lower(), self.lab.state["fingerprints"]["inet"])
        for p in OTHER_PORTS:
            self.assertEqual(checks[f"prod.other1.{p}"]["details"]["state"], "timeout")

    def test_dev_sharing_prods_certificate(self):
        # The operator types in dev's fingerprint, and it is prod's: every certificate
        # check of prod is critical, nothing else changes.
        doc = self.run_profile(other_cert_sha256=self.lab.state["fingerprints"]["node"])
        got = statuses(doc)
        cert_ids = LB_CERTS + [c for k in NODES for c in certs(k)]
        self.assertEqual({i: got[i] for i in cert_ids}, {i: "critical" for i in cert_ids})
        self.assertIn("other environment", by_id(doc)["prod.node1.cert.rta"]["summary"])
        self.assertEqual({i: s for i, s in got.items() if s != "ok" and i not in cert_ids}, {})

    def test_lb_health_checks_judged_against_the_nodes(self):
        # issue 19 item 4: node 1's own /testall fails. With health checks haproxy keeps
        # users off it: ok, and says so. Without, requests through it reach node 1: a
        # warning naming the node. The nodes tell themselves apart (X-Auth0-Host).
        # A timeout that leaves room for all six requests through the balancer on a
        # loaded machine (a box short of time samples fewer: HttpProbe's own test).
        node1 = NODES[1]
        self.lab.set("testall:1", "fail")
        try:
            checked = by_id(self.run_profile(timeout_ms=10000))
            self.lab.set("lb", "nocheck")
            unchecked = by_id(self.run_profile(timeout_ms=10000))
        finally:
            self.lab.set("lb", "check")
            self.lab.set("testall:1", "ok")
        lb = checked["prod.lb.testall"]
        self.assertEqual(checked["prod.node1.testall"]["status"], "critical")
        self.assertEqual(lb["status"], "ok", lb["summary"])
        self.assertIn(f"health-checked: users kept off {node1}", lb["summary"])
        self.assertEqual(sorted(lb["details"]["answered_by"]), ["a0-2", "a0-3"])
        self.assertEqual(lb["details"]["samples"], 6)
        self.assertIn("2 of 3 nodes answered", lb["summary"])
        lb = unchecked["prod.lb.testall"]
        self.assertEqual(lb["status"], "warning", lb["summary"])
        self.assertTrue(lb["summary"].startswith(f"not health-checking: sends users to {node1} "), lb["summary"])
        self.assertIn("a0-1", lb["details"]["answered_by"])
        self.assertEqual(lb["details"]["http_status"], 500)
        # Nothing else turns but node 1's own checks.
        others = {i: c["status"] for i, c in unchecked.items()
                  if c["status"] != "ok" and i not in ["prod.lb.testall", "prod.node1.testall"] + health(1)}
        self.assertEqual(others, {})

    def test_node_down(self):
        self.assert_turns(*FAULTS[0])

    def test_service_down_behind_testall(self):
        checks = self.assert_turns(*FAULTS[1])
        self.assertEqual(checks["prod.node1.testall"]["details"]["services_down"], ["users", "manage"])

    def test_one_node_serves_another_certificate(self):
        checks = self.assert_turns(*FAULTS[2])
        self.assertIn("differs from prod.node1.cert.manage", checks["prod.node3.cert.rta"]["summary"])

    def test_missing_intermediate_on_one_node(self):
        checks = self.assert_turns(*FAULTS[3])
        self.assertFalse(checks["prod.node2.cert.manage"]["details"]["chain_complete"])

    def test_mesh_port_filtered(self):
        self.assert_turns(*FAULTS[4])

    def test_mesh_port_closed(self):
        self.assert_turns(*FAULTS[5])

    def test_dev_segment_reachable(self):
        checks = self.assert_turns(*FAULTS[6])
        self.assertEqual(checks["prod.other1.443"]["details"]["state"], "open")

    def test_dev_segment_answers_with_rst(self):
        self.assert_turns(*FAULTS[7])

    def test_dev_segment_rejects_with_icmp_admin_prohibited(self):
        checks = self.assert_turns(*FAULTS[8])
        self.assertEqual(checks["prod.other1.443"]["details"]["state"], "unreachable")

    def test_relay_without_plain(self):
        self.assert_turns(*FAULTS[9])

    def test_relay_without_starttls(self):
        self.assert_turns(*FAULTS[10])

    def test_dns_answers_a_wrong_address(self):
        self.assert_turns(*FAULTS[11])

    def test_ntp_server_300_s_off(self):
        self.assert_turns(*FAULTS[12])

    def test_egress_through_an_intercepting_proxy(self):
        checks = self.assert_turns(*FAULTS[13])
        self.assertFalse(checks["prod.egress.cdn"]["details"]["trusted"])

    def test_lb_not_health_checking_alone_changes_nothing(self):
        self.assert_turns(*FAULTS[14])

    def test_zz_every_row_met_again_once_the_faults_are_gone(self):
        _, report = self.run_profile(with_report=True)
        self.assert_report_baseline(report)


if __name__ == "__main__":
    unittest.main()
