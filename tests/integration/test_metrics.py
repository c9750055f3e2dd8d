"""/metrics in the Prometheus text format, with the blackbox_exporter names users
already alert on, checked line by line against the exposition format."""
import re
import shutil
import subprocess
import unittest

from simtest import HOST, http_get, lab_session, running_sim, wait_for

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)$')


def parse(text):
    """Returns {name: [(labels dict, value)]}; fails on any line outside the format."""
    declared, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("gauge", "counter"), line
            assert name not in declared, f"{name} declared twice"
            declared[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        assert name in declared, f"{name} sampled before its TYPE"
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        samples.setdefault(name, []).append((labels, float(m.group(5))))
    return samples


class Metrics(unittest.TestCase):
    def test_metrics(self):
        lab = lab_session(self)
        try:
            tls = lab.ports["tls"]
            doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"interval_s": 2, "timeout_ms": 1500},
                   "checks": [
                       {"id": "cert", "type": "tls_cert", "host": HOST, "port": tls["scenarios"]["good"]["port"],
                        "server_name": "manage.lab.test", "names": ["manage.lab.test"]},
                       {"id": "dns", "type": "dns", "server": f"{HOST}:{lab.ports['dns']}", "name": "manage.lab.test"},
                       {"id": "testall", "type": "http", "url": f"http://{HOST}:{lab.ports['testall']}/testall"},
                       {"id": "ntp", "type": "ntp", "server": f"{HOST}:{lab.ports['sntp']}"},
                       {"id": "down", "type": "tcp", "host": HOST, "port": lab.ports["isolated"]}]}
            with running_sim(doc) as (_, port):
                def scrape():
                    status, headers, body = http_get(port, "/metrics")
                    s = parse(body.decode())
                    return (headers, s, body) if len(s.get("probe_success", [])) == 5 else None
                got = wait_for(scrape, 20)
            self.assertIsNotNone(got, "metrics never covered every check")
            headers, s, body = got
            # Prometheus' own linter on the very text scraped.
            promtool = shutil.which("promtool")
            self.assertIsNotNone(promtool, "promtool (Debian's prometheus) is not installed")
            lint = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
            self.assertEqual(lint.returncode, 0, lint.stdout.decode() + lint.stderr.decode())
            self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            success = {l["check"]: v for l, v in s["probe_success"]}
            self.assertEqual(success, {"cert": 1, "dns": 1, "testall": 1, "ntp": 1, "down": 0})
            self.assertEqual({l["group"] for l, _ in s["probe_success"]}, {"cert", "dns", "health", "time", "ports"})
            self.assertEqual(s["probe_http_status_code"][0][1], 200)
            self.assertGreater(s["probe_ssl_earliest_cert_expiry"][0][1], 1.7e9)
            # blackbox_exporter's TLS series: the lab's chain verifies to its root, the
            # leaf expires first (its notAfter is the earliest of the chain too).
            self.assertEqual(s["probe_ssl_earliest_cert_expiry"][0][1], tls["scenarios"]["good"]["not_after"])
            self.assertEqual(s["probe_ssl_last_chain_expiry_timestamp_seconds"][0][1],
                             tls["scenarios"]["good"]["not_after"])
            self.assertEqual([(l["check"], l["version"], v) for l, v in s["probe_tls_version_info"]],
                             [("cert", "TLS 1.2", 1)])
            self.assertGreater(s["probebox_cert_remaining_seconds"][0][1], 300 * 86400)
            self.assertEqual(s["probebox_cert_remaining_seconds"][0][1] % 86400, 0)
            self.assertEqual(s["probe_dns_lookup_time_seconds"][0][0]["check"], "dns")
            self.assertLess(abs(s["probebox_ntp_offset_seconds"][0][1]), 0.1)
            state = {l["check"]: v for l, v in s["probebox_check_state"]}
            self.assertEqual(state["down"], 2)
            self.assertEqual(s["probebox_overall_state"][0][1], 2)
            self.assertTrue(all(v >= 0 for _, v in s["probe_duration_seconds"]))
        finally:
            lab.down()


if __name__ == "__main__":
    unittest.main()
