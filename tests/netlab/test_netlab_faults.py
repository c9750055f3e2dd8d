"""Faults injected into the lab with `netlab.py set`: for each one, exactly the checks
that guard that requirement change verdict, and every other check stays ok
(docs/netlab.md has the table). The box runs with a static address (no DHCP wait)."""
import unittest

import netlabtest as nt
from netlabtest import MESH, by_id, statuses

MESH_IDS = lambda k: [f"n{k}-{p}" for p in MESH]  # noqa: E731

# (fault, value, healthy value, {check: status it must turn to},
#  {check: statuses it may show}: the load balancer's checks when the fault is on one
#  node, since haproxy's round robin decides which node answers that connection)
FAULTS = [
    ("node:2", "down", "up",
     {**{i: "critical" for i in MESH_IDS(2)}, "n2-cert": "critical", "n2-testall": "critical",
      "n2-health": "critical"}, {}),
    ("testall:1", "fail", "ok", {"n1-testall": "critical", "n1-health": "warning"}, {}),
    ("cert:3", "other", "same", {"n3-cert": "warning"}, {"lb-cert": {"ok", "warning"}}),
    ("cert:2", "nointermediate", "same", {"n2-cert": "critical", "n2-testall": "critical", "n2-health": "critical"},
     {"lb-cert": {"ok", "critical"}, "lb-testall": {"ok", "critical"}}),
    ("mesh:1:27017", "drop", "open", {"n1-27017": "critical"}, {}),
    ("mesh:3:8721", "reject", "open", {"n3-8721": "critical"}, {}),
    ("dev", "open", "drop", {"dev-443": "critical", "dev-7777": "critical"}, {}),
    ("dev", "rst", "drop", {"dev-443": "warning", "dev-7777": "warning"}, {}),
    ("dev", "icmp", "drop", {}, {}),
    ("smtp", "noplain", "ok", {"smtp": "critical"}, {}),
    ("smtp", "nostarttls", "ok", {"smtp": "warning"}, {}),
    ("dns", "wrong", "ok", {"dns-manage": "critical"}, {}),
    ("ntp", "offset:300", "ok", {"ntp": "critical"}, {}),
    ("egress", "proxy", "direct", {f"egress-{n.split('.')[0]}": "critical" for n in nt.netlab.EGRESS}, {}),
    ("lb", "nocheck", "check", {}, {}),
]


def setUpModule():
    nt.require_lab()


class FaultsTurnExactlyTheirChecks(nt.LabTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doc = nt.config(cls.lab, nt.appliance_checks())

    def run_box(self):
        rc, doc, err = self.lab.run_box(self.doc)
        self.assertIsNotNone(doc, err)
        return doc

    def assert_turns(self, fault, value, healthy, must, may):
        self.lab.set(fault, value)
        try:
            doc = self.run_box()
        finally:
            self.lab.set(fault, healthy)
        got = statuses(doc)
        checks = by_id(doc)
        for check_id, want in must.items():
            self.assertEqual(got[check_id], want, f"{fault}={value}: {check_id}: {checks[check_id]['summary']}")
        for check_id, status in got.items():
            if check_id in must:
                continue
            allowed = may.get(check_id, {"ok"})
            self.assertIn(status, allowed, f"{fault}={value} also turned {check_id}: {checks[check_id]['summary']}")
        return checks

    def test_00_baseline_all_ok(self):
        got = statuses(self.run_box())
        self.assertEqual({i: s for i, s in got.items() if s != "ok"}, {})

    def test_node_down(self):
        checks = self.assert_turns(*FAULTS[0])
        self.assertEqual(checks["n2-7777"]["details"]["state"], "timeout")  # a dead host: silence

    def test_service_down_behind_testall(self):
        checks = self.assert_turns(*FAULTS[1])
        self.assertEqual(checks["n1-testall"]["details"]["http_status"], 500)
        self.assertEqual(checks["n1-testall"]["details"]["services_down"], ["users", "manage"])
        self.assertEqual(checks["n1-health"]["details"]["http_status"], 520)

    def test_one_node_serves_another_certificate(self):
        checks = self.assert_turns(*FAULTS[2])
        self.assertEqual(checks["n3-cert"]["details"]["sha256"].lower(), self.lab.state["fingerprints"]["node-other"])
        self.assertIn("differs from n1-cert", checks["n3-cert"]["summary"])

    def test_missing_intermediate_on_one_node(self):
        checks = self.assert_turns(*FAULTS[3])
        self.assertFalse(checks["n2-cert"]["details"]["chain_complete"])

    def test_mesh_port_filtered(self):
        checks = self.assert_turns(*FAULTS[4])
        self.assertEqual(checks["n1-27017"]["details"]["state"], "timeout")

    def test_mesh_port_closed(self):
        checks = self.assert_turns(*FAULTS[5])
        self.assertEqual(checks["n3-8721"]["details"]["state"], "refused")

    def test_dev_segment_reachable(self):
        checks = self.assert_turns(*FAULTS[6])
        self.assertEqual(checks["dev-443"]["details"]["state"], "open")

    def test_dev_segment_answers_with_rst(self):
        fault, value, healthy, must, may = FAULTS[7]
        if nt.isolation_expect() == "closed":
            must = {}  # this firmware has no expect "unreachable" yet: a RST is as good as silence
        checks = self.assert_turns(fault, value, healthy, must, may)
        self.assertEqual(checks["dev-443"]["details"]["state"], "refused")

    def test_dev_segment_rejects_with_icmp_admin_prohibited(self):
        sniffer = self.lab.sniff_icmp_unreachable(25)
        try:
            checks = self.assert_turns(*FAULTS[8])
        finally:
            sniffer.terminate()
            out = sniffer.communicate(timeout=10)[0]
        # The router answers the box with admin-prohibited (code 13)...
        self.assertIn('"13"', out)
        # ...and the probe hears it (net/icmp_watch): no path, isolation holds, at once.
        if nt.isolation_expect() == "unreachable":
            for cid in ("dev-443", "dev-7777"):
                self.assertEqual(checks[cid]["status"], "ok", checks[cid])
                self.assertEqual(checks[cid]["details"], {"state": "unreachable", "icmp": 13})
                self.assertLess(checks[cid]["latency_ms"], 1000)
        else:
            self.assertEqual(checks["dev-443"]["details"]["state"], "timeout")

    def test_relay_without_plain(self):
        checks = self.assert_turns(*FAULTS[9])
        self.assertNotIn("PLAIN", checks["smtp"]["details"]["auth_mechanisms"])
        self.assertTrue(checks["smtp"]["details"]["starttls"])

    def test_relay_without_starttls(self):
        checks = self.assert_turns(*FAULTS[10])
        self.assertFalse(checks["smtp"]["details"]["starttls"])

    # With starttls "prefer" and no STARTTLS offered the probe reads AUTH from EHLO
    # but must not log in (spec/checks.md `smtp`): the relay's own log is the witness.
    def test_relay_without_starttls_gets_no_credentials_in_clear(self):
        self.lab.set("smtp", "nostarttls")
        try:
            rc, doc, err = self.lab.run_box(self.doc)
        finally:
            self.lab.set("smtp", "ok")
        self.assertIsNone(by_id(doc)["smtp"]["details"]["auth_ok"])
        # The relay's own log: the box's session without STARTTLS carried no AUTH.
        with open(f"{self.lab.dir}/log/postfix.log") as f:
            sessions = [line for line in f if f"disconnect from unknown[{nt.netlab.STATIC_BOX}]" in line]
        clear = [line for line in sessions if "starttls=" not in line]
        self.assertTrue(clear, "no session without STARTTLS in the relay's log")
        self.assertFalse([line for line in clear if "auth=" in line], clear)

    def test_dns_answers_a_wrong_address(self):
        checks = self.assert_turns(*FAULTS[11])
        self.assertEqual(checks["dns-manage"]["details"]["addresses"], [nt.netlab.WRONG_ADDRESS])

    def test_ntp_server_300_s_off(self):
        checks = self.assert_turns(*FAULTS[12])
        self.assertAlmostEqual(checks["ntp"]["details"]["offset_ms"], 300_000, delta=5_000)

    def test_egress_through_an_intercepting_proxy(self):
        checks = self.assert_turns(*FAULTS[13])
        self.assertFalse(checks["egress-cdn"]["details"]["trusted"])

    def test_lb_not_health_checking_alone_changes_nothing(self):
        self.assert_turns(*FAULTS[14])

    def test_lb_not_health_checking_sends_one_in_three_to_a_failing_node(self):
        # Three requests through the load balancer, at once: round robin gives each a
        # different node. With health checks the failing node is out of rotation.
        three = [{"id": f"lb-testall-{i}", "type": "http", "url": f"https://{nt.netlab.LB}/testall",
                  "host_header": nt.NAMES[0]} for i in range(3)]
        doc = nt.config(self.lab, three)
        self.lab.set("testall:1", "fail")
        try:
            rc, checked, err = self.lab.run_box(doc)
            self.assertEqual(statuses(checked), {c["id"]: "ok" for c in three}, err)
            self.lab.set("lb", "nocheck")
            rc, unchecked, err = self.lab.run_box(doc)
        finally:
            self.lab.set("lb", "check")
            self.lab.set("testall:1", "ok")
        bad = [i for i, s in statuses(unchecked).items() if s != "ok"]
        self.assertEqual(len(bad), 1, statuses(unchecked))
        self.assertEqual(by_id(unchecked)[bad[0]]["details"]["http_status"], 500)


if __name__ == "__main__":
    unittest.main()
