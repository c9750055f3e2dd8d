"""The tls_cert probe against the lab's TLS scenarios: every verdict rule of
checks.md, days_left against the certificate's own notAfter, and hostile peers."""
import os
import tempfile
import time
import unittest

from simtest import HOST, by_id, lab_session, run_once

NAMES = ["manage.lab.test", "rta.lab.test", "webtask.lab.test", "app1.lab.test"]


class TlsCert(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_session(cls)
        cls.tls = cls.lab.ports["tls"]

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()

    def run_scenarios(self, labels, anchors=True, lab_root_public=False, public_roots=None, check_public_roots=None,
                      **extra):
        """`lab_root_public`: the simulator's test set of public roots is the lab's root
        (--public-roots-pem), as if the lab's CA were a public one; otherwise the
        built-in set is Debian's, which no lab chain reaches. `public_roots`: the
        defaults key, when given (`check_public_roots`: the same key on each check)."""
        if check_public_roots is not None:
            extra["public_roots"] = check_public_roots
        checks = [dict({"id": label, "type": "tls_cert", "host": HOST, "port": self.tls["scenarios"][label]["port"],
                        "server_name": "manage.lab.test", "names": NAMES}, **extra) for label in labels]
        doc = {"schema": 1, "defaults": {"timeout_ms": 4000, "cert_warn_days": 30, "cert_crit_days": 14},
               "checks": checks}
        if public_roots is not None:
            doc["defaults"]["public_roots"] = public_roots
        if anchors:
            doc["trust_anchors_pem"] = self.tls["root_pem"]
        extra_args = ()
        with tempfile.TemporaryDirectory() as tmp:
            if lab_root_public:
                path = os.path.join(tmp, "public-roots.pem")
                with open(path, "w") as f:
                    f.write(self.tls["root_pem"])
                extra_args = ("--public-roots-pem", path)
            code, out, err = run_once(doc, timeout=120, extra_args=extra_args)
        self.assertIsNotNone(out, err)
        if lab_root_public:
            self.assertIn("public roots: 1 from TEST SET", err)
        return by_id(out)

    def expected_days(self, label):
        return (self.tls["scenarios"][label]["not_after"] - time.time()) // 86400

    def test_good_certificate(self):
        c = self.run_scenarios(["good"])["good"]
        d = c["details"]
        self.assertEqual(c["status"], "ok", c["summary"])
        self.assertAlmostEqual(d["days_left"], self.expected_days("good"), delta=1)
        self.assertTrue(d["chain_complete"])
        self.assertTrue(d["trusted"])
        self.assertEqual(d["trusted_by"], "anchors")
        self.assertEqual(d["missing_names"], [])
        self.assertEqual((d["key_type"], d["key_bits"]), ("RSA", 2048))
        self.assertEqual(d["sig_alg"], "sha256WithRSAEncryption")
        self.assertEqual(d["sha256"], self.tls["scenarios"]["good"]["sha256"])
        self.assertEqual(sorted(d["sans"]), sorted(NAMES))
        self.assertIn("manage.lab.test", d["subject"])
        self.assertRegex(d["not_after"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(c["group"], "cert")

    def test_profile_egress_judges_trust_not_the_appliances_own_rules(self):
        """The profile's egress checks are another party's certificates: an EC key or a
        certificate due in 5 days is fine there; expired or untrusted is not."""
        labels = ["good", "ec", "crit", "expired", "self-signed"]
        profile = {"name": "prod", "nodes": [HOST],
                   "domain_names": {"dashboard": NAMES[0], "root_tenant_authority": NAMES[1],
                                    "webtask": NAMES[2], "app_tenants": NAMES[3:]},
                   "ports": {"https": self.tls["scenarios"]["good"]["port"], "mesh": []},
                   "egress": [f"{HOST}:{self.tls['scenarios'][label]['port']}" for label in labels]}
        doc = {"schema": 1, "defaults": {"timeout_ms": 4000}, "trust_anchors_pem": self.tls["root_pem"],
               "appliance": profile}
        code, out, err = run_once(doc, timeout=120)
        self.assertIsNotNone(out, err)
        egress = [c for c in out["checks"] if c["id"].startswith("prod.egress.")]
        self.assertEqual([c["id"] for c in egress],
                         ["prod.egress.10-0-2-2"] + [f"prod.egress.10-0-2-2-{n}" for n in range(2, 6)])
        got = {label: (c["status"], c["group"]) for label, c in zip(labels, egress)}
        self.assertEqual(got, {"good": ("ok", "egress"), "ec": ("ok", "egress"), "crit": ("ok", "egress"),
                               "expired": ("critical", "egress"), "self-signed": ("critical", "egress")},
                         [c["summary"] for c in egress])
        self.assertEqual(egress[1]["details"]["key_type"], "EC")

    def test_every_rule(self):
        r = self.run_scenarios(["warn", "crit", "expired", "future", "missing-name", "wildcard",
                                "no-intermediate", "rsa1024", "ec", "sha1", "self-signed"])
        self.assertEqual(r["warn"]["status"], "warning", r["warn"]["summary"])
        self.assertAlmostEqual(r["warn"]["details"]["days_left"], self.expected_days("warn"), delta=1)
        self.assertEqual(r["crit"]["status"], "critical")
        self.assertAlmostEqual(r["crit"]["details"]["days_left"], self.expected_days("crit"), delta=1)
        self.assertEqual(r["expired"]["status"], "critical")
        self.assertEqual(r["expired"]["details"]["days_left"], -3)
        self.assertEqual(r["future"]["status"], "critical")
        self.assertIn("not valid yet", r["future"]["summary"])
        self.assertEqual(r["missing-name"]["status"], "critical")
        self.assertEqual(r["missing-name"]["details"]["missing_names"], ["app1.lab.test"])
        self.assertEqual(r["wildcard"]["status"], "ok", r["wildcard"]["summary"])
        self.assertEqual(r["wildcard"]["details"]["missing_names"], [])
        self.assertEqual(r["no-intermediate"]["status"], "critical")
        self.assertFalse(r["no-intermediate"]["details"]["chain_complete"])
        self.assertEqual(r["rsa1024"]["status"], "critical")
        self.assertEqual(r["rsa1024"]["details"]["key_bits"], 1024)
        self.assertEqual(r["ec"]["status"], "critical")
        self.assertEqual(r["ec"]["details"]["key_type"], "EC")
        self.assertEqual(r["sha1"]["status"], "warning", r["sha1"]["summary"])
        self.assertEqual(r["sha1"]["details"]["sig_alg"], "sha1WithRSAEncryption")
        # Only the missing intermediate makes a chain incomplete; a self-signed one is
        # complete but does not verify to the anchors, and is named for what it is.
        self.assertEqual(r["self-signed"]["status"], "critical")
        self.assertTrue(r["self-signed"]["details"]["chain_complete"])
        self.assertFalse(r["self-signed"]["details"]["trusted"])
        self.assertIn("is self-signed", r["self-signed"]["summary"])
        self.assertIn("intermediate is missing", r["no-intermediate"]["summary"])
        for label, check in r.items():
            if label != "no-intermediate":
                self.assertTrue(check["details"]["chain_complete"], label)

    def test_wildcard_covers_exactly_one_label(self):
        c = self.run_scenarios(["wildcard"], names=["manage.lab.test", "deep.app1.lab.test", "lab.test"])["wildcard"]
        self.assertEqual(c["status"], "critical")
        self.assertEqual(c["details"]["missing_names"], ["deep.app1.lab.test", "lab.test"])

    def test_without_trust_anchors_or_public_roots(self):
        """A private-PKI site that turned the public roots off and gave no anchors:
        trust is not judged (null), completeness still is."""
        r = self.run_scenarios(["self-signed", "good"], anchors=False, public_roots=False, lab_root_public=True)
        self.assertTrue(r["self-signed"]["details"]["chain_complete"])
        self.assertIsNone(r["self-signed"]["details"]["trusted"])
        # A self-signed leaf is critical whatever the anchors (issue 17): it used to pass here.
        self.assertEqual(r["self-signed"]["status"], "critical", r["self-signed"]["summary"])
        self.assertIn("self-signed", r["self-signed"]["summary"])
        self.assertTrue(r["self-signed"]["details"]["self_signed"])
        self.assertIsNone(r["self-signed"]["details"]["trusted_by"])
        # The server sent leaf and intermediate but not up to a self-issued root.
        self.assertFalse(r["good"]["details"]["chain_complete"])
        self.assertIsNone(r["good"]["details"]["trusted"])
        self.assertEqual(r["good"]["status"], "critical")

    def test_public_looking_chain_verifies_without_anchors(self):
        """The lab's root in the public set (as a real public CA is in Debian's): its
        chain verifies with no trust_anchors_pem, and says which set verified it."""
        r = self.run_scenarios(["good", "wildcard"], anchors=False, lab_root_public=True)
        for label in ("good", "wildcard"):
            d = r[label]["details"]
            self.assertEqual(r[label]["status"], "ok", r[label]["summary"])
            self.assertTrue(d["trusted"], label)
            self.assertEqual(d["trusted_by"], "public", label)
            self.assertTrue(d["chain_complete"], label)
        # Anchors too: the anchors verify it first.
        r = self.run_scenarios(["good"], anchors=True, lab_root_public=True)
        self.assertEqual(r["good"]["details"]["trusted_by"], "anchors")

    def test_public_roots_false_makes_the_public_looking_chain_untrusted(self):
        r = self.run_scenarios(["good"], anchors=False, lab_root_public=True, public_roots=False)
        self.assertEqual(r["good"]["status"], "critical", r["good"]["summary"])
        self.assertNotEqual(r["good"]["details"]["trusted"], True)
        self.assertIsNone(r["good"]["details"]["trusted_by"])
        # Per check, as every defaults key: the one that keeps them on is trusted.
        r = self.run_scenarios(["good"], anchors=False, lab_root_public=True, public_roots=False,
                               check_public_roots=True)
        self.assertEqual(r["good"]["details"]["trusted_by"], "public", r["good"]["summary"])

    def test_self_signed_is_critical_with_and_without_anchors(self):
        """Whatever the anchors: with the lab's anchors, with none (Debian's public
        roots), with none and the lab's root as the public set."""
        for kwargs in ({"anchors": True}, {"anchors": False}, {"anchors": False, "lab_root_public": True},
                       {"anchors": True, "lab_root_public": True}):
            c = self.run_scenarios(["self-signed"], **kwargs)["self-signed"]
            self.assertEqual(c["status"], "critical", (kwargs, c["summary"]))
            self.assertFalse(c["details"]["trusted"], kwargs)
            self.assertIsNone(c["details"]["trusted_by"], kwargs)
            self.assertTrue(c["details"]["chain_complete"], kwargs)

    def test_debian_roots_do_not_trust_the_lab(self):
        """The production set (no test flag): a lab chain reaches none of Debian's roots."""
        r = self.run_scenarios(["good"], anchors=False)
        self.assertEqual(r["good"]["status"], "critical", r["good"]["summary"])
        self.assertFalse(r["good"]["details"]["trusted"])
        self.assertFalse(r["good"]["details"]["chain_complete"])

    def test_full_handshake_gives_the_same_verdict(self):
        c = self.run_scenarios(["good", "missing-name"], full_handshake=True)
        self.assertEqual(c["good"]["status"], "ok", c["good"]["summary"])
        self.assertEqual(c["missing-name"]["details"]["missing_names"], ["app1.lab.test"])

    def test_same_cert_as_and_distinct_from(self):
        port = lambda label: self.tls["scenarios"][label]["port"]
        base = {"type": "tls_cert", "host": HOST, "server_name": "manage.lab.test", "names": ["manage.lab.test"]}
        doc = {"schema": 1, "trust_anchors_pem": self.tls["root_pem"], "defaults": {"interval_s": 1, "timeout_ms": 900},
               "checks": [dict(base, id="lb", port=port("good")),
                          dict(base, id="node1", port=port("good"), same_cert_as=["lb"]),
                          dict(base, id="node2", port=port("wildcard"), same_cert_as=["lb"]),
                          dict(base, id="dev", port=port("good"), distinct_from=["lb"])]}
        import json
        from simtest import http_get, running_sim, wait_for

        def settled(port):
            checks = by_id(json.loads(http_get(port, "/api/status")[2]))
            return checks if all(c["counts"]["ok"] + c["counts"]["warning"] + c["counts"]["critical"] >= 2
                                 for c in checks.values()) else None
        with running_sim(doc) as (_, api_port):
            r = wait_for(lambda: settled(api_port), 20)
        self.assertIsNotNone(r)
        self.assertEqual(r["node1"]["status"], "ok", r["node1"]["summary"])
        self.assertEqual(r["node2"]["status"], "warning", r["node2"]["summary"])
        self.assertIn("differs from lb", r["node2"]["summary"])
        self.assertEqual(r["dev"]["status"], "critical")
        self.assertIn("distinct", r["dev"]["summary"])

    def test_cross_check_verdicts_do_not_depend_on_which_probe_finished_first(self):
        """spec/checks.md: judged once every check of the set has this cycle's result.
        The set is listed so that the checks it names come last; probes start in
        order, so before the gate `dev` often finished before `lb` and was ok."""
        port = lambda label: self.tls["scenarios"][label]["port"]
        base = {"type": "tls_cert", "host": HOST, "server_name": "manage.lab.test", "names": ["manage.lab.test"]}
        doc = {"schema": 1, "trust_anchors_pem": self.tls["root_pem"], "defaults": {"timeout_ms": 8000},
               "checks": [dict(base, id="dev", port=port("good"), distinct_from=["lb"]),
                          dict(base, id="node2", port=port("wildcard"), same_cert_as=["node1"]),
                          dict(base, id="node1", port=port("good"), same_cert_as=["lb"]),
                          dict(base, id="lb", port=port("good"))]}
        want = {"dev": "critical", "node2": "warning", "node1": "ok", "lb": "ok"}
        for run in range(20):
            code, out, err = run_once(doc, timeout=120)
            self.assertIsNotNone(out, err)
            got = {cid: c["status"] for cid, c in by_id(out).items()}
            self.assertEqual(got, want, f"run {run + 1}: {[(c['id'], c['summary']) for c in out['checks']]}")
            self.assertEqual(code, 2)

    def test_hostile_peers_give_clear_verdicts_and_the_next_cycle_works(self):
        r = self.run_scenarios(["garbage", "close-mid-handshake", "good"])
        self.assertEqual(r["garbage"]["status"], "critical")
        self.assertIn("handshake failed", r["garbage"]["summary"])
        self.assertEqual(r["close-mid-handshake"]["status"], "critical")
        self.assertEqual(r["good"]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
