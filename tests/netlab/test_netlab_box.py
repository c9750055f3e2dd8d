"""probebox-sim on a TAP device in the lab: DHCP from the lab's dnsmasq or a static
address, and every check type against the real servers on their real ports with the
verdicts of spec/checks.md."""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

import netlabtest as nt
from netlabtest import MESH, NAMES, NODES, by_id


# Reads GET /metrics from argv[1]:80 through a small receive window, about argv[2]
# seconds for the body: prints {"content_length", "body", "seconds" (from the
# request to the last byte or the close), ...}.
READS = 8
SLOW_READER = r"""
import json, socket, sys, time
host, target_s = sys.argv[1], float(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.settimeout(10)
s.connect((host, 80))
began = time.monotonic()
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(512)
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
pause = target_s / max(1, length // 512)
while len(body) < length:
    time.sleep(pause)
    try:
        chunk = s.recv(512)
    except OSError:
        break
    if not chunk:
        break
    body += chunk
print(json.dumps({"content_length": length, "body": len(body), "seconds": round(time.monotonic() - began, 3),
                  "ends_with_newline": body.endswith(b"\n")}))
"""


def setUpModule():
    nt.require_lab()


class BoxOnTheLab(nt.LabTestCase):
    def check_all_healthy(self, doc):
        checks = by_id(doc)
        bad = {i: (c["status"], c["summary"]) for i, c in checks.items() if c["status"] != "ok"}
        self.assertEqual(bad, {})
        self.assertEqual(doc["overall"], "ok")
        # The details say the real servers were reached, on their real ports.
        for k in NODES:
            for port in MESH:
                self.assertEqual(checks[f"n{k}-{port}"]["details"]["state"], "open")
            cert = checks[f"n{k}-cert"]["details"]
            self.assertTrue(cert["chain_complete"])
            self.assertTrue(cert["trusted"])
            self.assertEqual(cert["missing_names"], [])
            self.assertEqual(cert["sha256"].lower(), self.lab.state["fingerprints"]["node"])
            self.assertEqual(checks[f"n{k}-testall"]["details"]["http_status"], 200)
            self.assertEqual(checks[f"n{k}-health"]["details"]["http_status"], 204)
        self.assertEqual(checks["lb-https-only"]["details"]["http_status"], 301)
        self.assertTrue(checks["lb-https-only"]["details"]["location"].startswith("https://manage.example.com"))
        self.assertEqual(checks["dns-manage"]["details"]["addresses"], [nt.netlab.LB])
        self.assertEqual(checks["smtp"]["details"]["starttls"], True)
        self.assertIn("PLAIN", checks["smtp"]["details"]["auth_mechanisms"])
        self.assertEqual(checks["smtp"]["details"]["auth_ok"], True)
        self.assertEqual(checks["ntp"]["details"]["stratum"], 8)
        self.assertLess(abs(checks["ntp"]["details"]["offset_ms"]), 500)
        for name in nt.netlab.EGRESS:
            d = checks[f"egress-{name.split('.')[0]}"]["details"]
            self.assertEqual(d["sha256"].lower(), self.lab.state["fingerprints"]["inet"])
        # Isolation: the router drops prod -> dev, so nothing answers.
        self.assertEqual(checks["dev-443"]["details"]["state"], "timeout")

    def test_dhcp_from_the_lab_and_every_check_ok(self):
        rc, doc, err = self.lab.run_box(nt.config(self.lab, nt.appliance_checks(), nt.dhcp_network()))
        self.assertIsNotNone(doc, err)
        self.check_all_healthy(doc)
        self.assertEqual(rc, 0, err)
        # The lease came from the lab's dnsmasq, in its range.
        with open(f"{self.lab.dir}/run/dnsmasq.leases") as f:
            leases = f.read()
        self.assertRegex(leases, r"192\.0\.2\.1[0-4][0-9]")

    def test_static_address_and_every_check_ok(self):
        rc, doc, err = self.lab.run_box(nt.config(self.lab, nt.appliance_checks(), nt.static_network()))
        self.assertIsNotNone(doc, err)
        self.check_all_healthy(doc)
        self.assertEqual(rc, 0, err)
        # The lab's servers saw the box's own address, not a NAT.
        with open(f"{self.lab.dir}/log/postfix.log") as f:
            log = f.read()
        self.assertIn(f"connect from unknown[{nt.netlab.STATIC_BOX}]", log)

    def test_names_resolve_through_the_lab_resolver(self):
        doc = nt.config(self.lab, [
            {"id": "by-name", "type": "tls_cert", "host": NAMES[0], "port": 443, "server_name": NAMES[0],
             "names": NAMES},
            {"id": "unknown", "type": "dns", "server": nt.netlab.DNS, "name": "nothere.example.com"}])
        rc, doc, err = self.lab.run_box(doc)
        checks = by_id(doc)
        self.assertEqual(checks["by-name"]["status"], "ok", checks["by-name"]["summary"])
        self.assertEqual(checks["unknown"]["status"], "critical")
        self.assertEqual(checks["unknown"]["details"]["rcode"], "NXDOMAIN")

    def test_web_ui_answers_on_the_box_address_in_the_lab(self):
        # No port forwarding on a TAP: the console names the box's own address, and a
        # client on the segment reaches the API there.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(nt.config(self.lab, []), f)
            proc = subprocess.Popen(["ip", "netns", "exec", self.lab.switch, nt.SIM, "--net", f"tap:{self.lab.tap}",
                                     "--panel", "none", "--flash", os.path.join(tmp, "f.bin"), "--config", path],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            try:
                announced = None
                deadline = time.monotonic() + 30
                while announced is None and time.monotonic() < deadline:
                    line = proc.stderr.readline()
                    if not line:
                        break
                    if "web UI and API on" in line:
                        announced = line
                self.assertIsNotNone(announced, "no web UI line on the console")
                # HTTPS is the operator's default: the UI is announced on https://, on 443
                # of the box's own address; /healthz stays answered on plain HTTP (80).
                self.assertIn(f"https://{nt.netlab.STATIC_BOX}/ (on {self.lab.tap})", announced)
                r = self.lab.in_client("curl", "-s", "-m", "5", f"http://{nt.netlab.STATIC_BOX}/healthz")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, "ok\n")
                # The box's own self-signed certificate: -k, its pinning is test_https's.
                r = self.lab.in_client("curl", "-sk", "-m", "10", f"https://{nt.netlab.STATIC_BOX}/healthz")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, "ok\n")
            finally:
                proc.terminate()
                proc.communicate(timeout=10)

    def test_a_slow_reader_gets_the_whole_metrics_document_while_checks_report(self):
        # The box renders a large document again slice by slice as its client's TCP
        # window opens (no RAM holds it whole). A reader on the lab's segment with a
        # small receive window takes about a second over a 22 KB /metrics while
        # checks report; it must get every byte, READS times running. Before the
        # results were held for a streaming document (monitor/result_hold.h) and the
        # slices resumed at their part (TextBuffer::next_part), 4 of 8 such reads
        # were cut: any result that changed a line already sent ended the answer.
        # The fast checks are few, so the held results never fill the probe slots.
        checks = [{"id": f"mesh-{copy}-{k}-{port}", "type": "tcp", "host": NODES[k], "port": port,
                   "interval_s": 1 if copy == 0 and k == 1 else 60, "timeout_ms": 800}
                  for copy in range(8) for k in NODES for port in MESH]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(nt.config(self.lab, checks), f)
            proc = subprocess.Popen(["ip", "netns", "exec", self.lab.switch, nt.SIM, "--net", f"tap:{self.lab.tap}",
                                     "--panel", "none", "--flash", os.path.join(tmp, "f.bin"), "--config", path],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://{nt.netlab.STATIC_BOX}/metrics"
                deadline = time.monotonic() + 40
                ok = 0
                while time.monotonic() < deadline:
                    r = self.lab.in_client("curl", "-s", "-m", "5", url)
                    ok = sum(1 for line in r.stdout.splitlines()
                             if line.startswith("probe_success{") and line.split()[-1] == "1")
                    if r.returncode == 0 and ok == len(checks):
                        break
                    time.sleep(0.5)
                self.assertEqual(ok, len(checks), "every check reported ok")
                whole, reads = 0, []
                while whole < READS and len(reads) < READS + 4:
                    r = self.lab.in_client(nt.DEBIAN_PYTHON, "-c", SLOW_READER, nt.netlab.STATIC_BOX, "0.9",
                                           timeout=30)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    got = json.loads(r.stdout)
                    reads.append(got)
                    if got["body"] == got["content_length"]:
                        whole += 1
                        self.assertTrue(got["ends_with_newline"], got)
                        self.assertGreater(got["seconds"], 0.5, f"the read is slow enough to overlap results: {got}")
                        continue
                    # Cut: only a reader slower than the hold's limit may be (a machine so
                    # loaded that the reader's own pauses ran long); such a read proves
                    # nothing either way, and another is made.
                    self.assertGreater(got["seconds"], 1.8, f"cut while results were held for it: {reads}")
                self.assertEqual(whole, READS, reads)
            finally:
                proc.terminate()
                proc.wait(timeout=10)

    def test_the_balancers_nodes_each_resume_their_own_session(self):
        # haproxy passes TLS through to three nginx nodes, each with its own ticket
        # key. The box keeps a session per node that answered (net/resumption_store.h):
        # three for the nodes reached directly, three for the same nodes through the
        # balancer, where one slot for the balancer held the last node's session and
        # offered it to the next (every request a full handshake, 4 sessions held).
        wanted = {"lb-cert", "lb-testall"} | {f"n{k}-{what}" for k in NODES for what in ("cert", "testall")}
        checks = [c for c in nt.appliance_checks() if c["id"] in wanted]
        doc = nt.config(self.lab, checks)
        doc["defaults"]["interval_s"] = 3
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            proc = subprocess.Popen(["ip", "netns", "exec", self.lab.switch, nt.SIM, "--net", f"tap:{self.lab.tap}",
                                     "--panel", "none", "--flash", os.path.join(tmp, "f.bin"), "--config", path],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            try:
                password, console, deadline = None, [], time.monotonic() + 30
                while password is None and time.monotonic() < deadline:
                    line = proc.stderr.readline()
                    if not line:
                        break
                    console.append(line)
                    if "first-boot password" in line:
                        password = line.rsplit(":", 1)[1].strip()
                self.assertIsNotNone(password, f"no first-boot password on the console: {console[-10:]}")
                threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
                # About ten cycles: round robin has taken the balancer's requests to
                # every node (the tls_cert check's connection takes a turn too), and the
                # order is known; one login, one read.
                time.sleep(30)
                r = self.lab.in_client(nt.DEBIAN_PYTHON, "-c", nt.READ_BOX, nt.netlab.STATIC_BOX, password, timeout=40)
                self.assertEqual(r.returncode, 0, r.stderr)
                got = json.loads(r.stdout)
                sessions = got["/api/diagnostics"]["tls_sessions"]
                self.assertEqual(sessions["held"], 6, sessions)
                self.assertGreater(sessions["resumed"], 0, sessions)
                moved = [(e["check"], e["to"], e.get("summary", "")) for e in got["/api/events"]["events"]
                         if e["to"] != "ok"]
                self.assertEqual(moved, [], "every check stayed ok")
            finally:
                proc.terminate()
                proc.wait(timeout=10)

    def test_tap_that_is_not_there_is_an_error_not_a_new_tap(self):
        # TUNSETIFF on an unknown name would make a fresh TAP bridged to nothing.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump(nt.config(self.lab, []), f)
            r = subprocess.run(["ip", "netns", "exec", self.lab.switch, nt.SIM, "--once", "--net", "tap:pbnlnosuch",
                                "--flash", os.path.join(tmp, "f.bin"), "--config", path],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no interface pbnlnosuch", r.stderr)
        links = subprocess.run(["ip", "-n", self.lab.switch, "link"], capture_output=True, text=True).stdout
        self.assertNotIn("pbnlnosuch", links)

if __name__ == "__main__":
    unittest.main()
