"""While the simulator runs, /api/status answers through the forwarded port."""
import json
import unittest

from simtest import HOST, Listener, by_id, free_port, http_get, running_sim, wait_for


class ApiStatus(unittest.TestCase):
    def test_status_document_through_forwarded_port(self):
        listener = Listener()
        closed = free_port()
        doc = {"schema": 1, "device": {"name": "probe-api"}, "defaults": {"interval_s": 2, "timeout_ms": 1000},
               "checks": [{"id": "open", "type": "tcp", "host": HOST, "port": listener.port},
                          {"id": "closed", "type": "tcp", "host": HOST, "port": closed},
                          {"id": "relay", "type": "http", "url": f"http://{HOST}:{closed}/testall",
                           "username": "probe", "password": "relay-secret"}]}
        try:
            with running_sim(doc) as (proc, port):
                def all_ran():
                    status, headers, body = http_get(port, "/api/status")
                    parsed = json.loads(body)
                    ran = all(c["summary"] != "not run yet" for c in parsed["checks"])
                    return (status, headers, parsed) if ran else None

                got = wait_for(all_ran, 20)
                self.assertIsNotNone(got, "status never showed every check run")
                status, headers, parsed = got
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], "application/json")
                self.assertEqual(parsed["device"]["name"], "probe-api")
                checks = by_id(parsed)
                self.assertEqual(checks["open"]["hard"], "ok")
                self.assertEqual(checks["closed"]["hard"], "critical")
                self.assertEqual(parsed["overall"], "critical")
                self.assertEqual(checks["closed"]["guards"], "network ports")
                self.assertIsNone(proc.poll(), "simulator exited")

                code = wait_for(lambda: _status_of(port, "/nope"), 5)
                self.assertEqual(code, 404)

                status, _, body = http_get(port, "/api/config")
                self.assertEqual(status, 200)
                shown = json.loads(body)
                self.assertEqual(shown["checks"][2]["password"], "********")
                self.assertNotIn(b"relay-secret", body)
        finally:
            listener.close()


def _status_of(port, path):
    import urllib.error
    try:
        return http_get(port, path)[0]
    except urllib.error.HTTPError as e:
        return e.code


if __name__ == "__main__":
    unittest.main()
