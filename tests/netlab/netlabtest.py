"""Helpers for the netlab tests: bring the lab up for a TestCase class, run
`probebox-sim --once --net tap:…` inside the lab's switch namespace, compare verdicts.

The lab needs root; without it every netlab test is skipped with one line
("netlab: skipped: ..."), which CTest reports as a skip."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NETLAB = os.path.join(HERE, "netlab.py")
DEBIAN_PYTHON = "/usr/bin/python3"
SIM = os.environ.get("PROBEBOX_SIM", "")
sys.path.insert(0, HERE)
import netlab  # noqa: E402  (constants only; the lab itself runs as its own process)

TTL_S = int(os.environ.get("NETLAB_TTL", "600"))


# Logs in with the first-boot password; the diagnostics and the event log.
READ_BOX = r"""
import http.client, json, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection(sys.argv[1], 443, timeout=15, context=ctx)
c.request("POST", "/api/login", body=json.dumps({"password": sys.argv[2]}),
          headers={"Content-Type": "application/json"})
r = c.getresponse(); r.read()
cookie = r.headers["Set-Cookie"].split(";", 1)[0]
out = {}
for path in ("/api/diagnostics", "/api/events"):
    c.request("GET", path, headers={"Cookie": cookie})
    out[path] = json.loads(c.getresponse().read())
print(json.dumps(out))
"""


def skip_reason():
    if os.geteuid() != 0:
        return "needs root for network namespaces (CI runs as root)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


def require_lab():
    """setUpModule: one clear line and a skip without root; a failure (not a skip)
    when root has not installed the servers."""
    why = skip_reason()
    if why:
        print(f"netlab: skipped: {why}", file=sys.stderr, flush=True)
        raise unittest.SkipTest(f"netlab: skipped: {why}")
    missing = netlab.missing_tools()
    if missing:
        raise RuntimeError("netlab: missing " + ", ".join(missing) + ": run scripts/setup")
    if not SIM or not os.access(SIM, os.X_OK):
        raise RuntimeError("PROBEBOX_SIM does not name the simulator")


class Lab:
    """One lab, up for the life of a TestCase class. `down` runs in tearDownClass and,
    should the test process die, the lab's own reaper removes it after the TTL."""

    def __init__(self, ttl_s=TTL_S):
        self.dir = tempfile.mkdtemp(prefix="probebox-netlab-")
        self.ttl_s = ttl_s
        self.state = None

    def cli(self, *args, timeout=60, check=True):
        r = subprocess.run([DEBIAN_PYTHON, NETLAB, *args, "--dir", self.dir], capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"netlab.py {' '.join(args)} failed: {r.stderr.strip()}")
        return r

    def up(self):
        r = self.cli("up", "--ttl", str(self.ttl_s), timeout=120, check=False)
        if r.returncode != 0:
            self.down()
            raise AssertionError(f"netlab up failed: {r.stderr.strip()}")
        self.state = json.loads(r.stdout)
        return self

    def set(self, fault, value):
        self.cli("set", fault, value)
        self.state["faults"][fault] = value

    def status(self):
        return json.loads(self.cli("status").stdout)

    def down(self):
        if os.path.exists(os.path.join(self.dir, "netlab.json")):
            self.cli("down", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def tap(self):
        return self.state["tap"]

    @property
    def switch(self):
        return self.state["switch_namespace"]

    def trust_anchors(self):
        pem = ""
        for name in ("root.pem", "inet-root.pem"):
            with open(os.path.join(self.dir, "pki", name)) as f:
                pem += f.read()
        return pem

    def in_client(self, *argv, timeout=20):
        """A command in the lab's test-client namespace (192.0.2.5)."""
        return subprocess.run(["ip", "netns", "exec", self.state["client_namespace"], *argv], capture_output=True,
                              text=True, timeout=timeout)

    def sniff_icmp_unreachable(self, seconds):
        """Starts counting the ICMP unreachables the lab sends to the box's TAP;
        returns the process (its last stdout line is {"code": count})."""
        p = subprocess.Popen(["ip", "netns", "exec", self.switch, DEBIAN_PYTHON, NETLAB, "sniff", self.tap,
                              "--dir", self.dir, "--timeout", str(seconds)], stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "ready"
        return p

    def run_box(self, doc, timeout=90, extra_args=()):
        """probebox-sim --once on the lab's TAP: (exit code, result document, stderr)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "config.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            args = ["ip", "netns", "exec", self.switch, SIM, "--once", "--net", f"tap:{self.tap}",
                    "--flash", os.path.join(tmp, "flash.bin"), "--config", path, *extra_args]
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        parsed = json.loads(proc.stdout) if proc.stdout.strip() else None
        return proc.returncode, parsed, proc.stderr


class LabTestCase(unittest.TestCase):
    """A TestCase whose tests share one lab (self.lab), up for the whole class."""

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab().up()

    @classmethod
    def tearDownClass(cls):
        cls.lab.down()


def by_id(doc):
    return {c["id"]: c for c in doc["checks"]}


def statuses(doc):
    return {c["id"]: c["status"] for c in doc["checks"]}


NAMES = netlab.NAMES
NODES = netlab.NODES
MESH = netlab.MESH


def static_network():
    return {"mode": "static", "address": f"{netlab.STATIC_BOX}/24", "gateway": netlab.ROUTER,
            "dns": [netlab.DNS], "ntp": [netlab.NTP]}


def dhcp_network():
    return {"mode": "dhcp", "dns": [netlab.DNS], "ntp": [netlab.NTP]}


_SUPPORTED = {}


def firmware_accepts(check):
    """Whether this build's config parser takes `check` (spec keys still being built
    elsewhere): `--store-only` validates a config without any network."""
    key = json.dumps(check, sort_keys=True)
    if key not in _SUPPORTED:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w") as f:
                json.dump({"schema": 1, "checks": [check]}, f)
            r = subprocess.run([SIM, "--store-only", "--config", path, "--flash", os.path.join(tmp, "f.bin")],
                               capture_output=True, text=True, timeout=30)
            _SUPPORTED[key] = r.returncode == 0
    return _SUPPORTED[key]


def isolation_expect():
    """spec/checks.md's `expect: "unreachable"` when the firmware has it; before that,
    `closed` (which cannot tell a RST from silence: a RST is ok there, a warning in
    the spec)."""
    probe = {"id": "x", "type": "tcp", "host": "198.51.100.20", "port": 443, "expect": "unreachable"}
    return "unreachable" if firmware_accepts(probe) else "closed"


def https_redirect_check(check_id, url, host):
    c = {"id": check_id, "type": "http", "url": url, "host_header": host, "expect_https_redirect": True}
    if firmware_accepts(c):
        return c
    # Until the firmware has the key: the 301 itself (details.location is asserted).
    return {"id": check_id, "type": "http", "url": url, "host_header": host, "expect_status": [301, 308]}


def appliance_checks():
    """Every requirement of the appliance on its real ports, as explicit checks with
    IP targets (a DNS fault then turns only the DNS checks)."""
    lb, checks = netlab.LB, []
    checks.append({"id": "lb-443", "type": "tcp", "host": lb, "port": 443})
    checks.append({"id": "lb-80", "type": "tcp", "host": lb, "port": 80})
    checks.append({"id": "lb-cert", "type": "tls_cert", "host": lb, "port": 443, "server_name": NAMES[0],
                   "names": NAMES, "same_cert_as": ["n1-cert"]})
    checks.append({"id": "lb-testall", "type": "http", "url": f"https://{lb}/testall", "host_header": NAMES[0]})
    checks.append(https_redirect_check("lb-https-only", f"http://{lb}/", NAMES[0]))
    for k, ip in NODES.items():
        for port in MESH:
            checks.append({"id": f"n{k}-{port}", "type": "tcp", "host": ip, "port": port})
        cert = {"id": f"n{k}-cert", "type": "tls_cert", "host": ip, "port": 443, "server_name": NAMES[0],
                "names": NAMES}
        if k != 1:
            cert["same_cert_as"] = ["n1-cert"]
        checks.append(cert)
        checks.append({"id": f"n{k}-testall", "type": "http", "url": f"https://{ip}/testall",
                       "host_header": NAMES[0]})
        checks.append({"id": f"n{k}-health", "type": "http", "url": f"https://{ip}/health/status/services",
                       "host_header": NAMES[0], "username": netlab.HEALTH_USER, "password": netlab.HEALTH_KEY,
                       "expect_status": [204], "warn_status": [520, 429]})
    for name in NAMES:
        checks.append({"id": f"dns-{name.split('.')[0]}", "type": "dns", "server": netlab.DNS, "name": name,
                       "expect_addresses": [lb]})
    # By name (the lab's resolver), so the relay's certificate is judged for that name.
    checks.append({"id": "smtp", "type": "smtp", "host": "smtp.example.com", "port": 587,
                   "username": netlab.SMTP_USER, "password": netlab.SMTP_PASSWORD})
    checks.append({"id": "ntp", "type": "ntp", "server": netlab.NTP})
    for name in netlab.EGRESS:
        checks.append({"id": f"egress-{name.split('.')[0]}", "type": "tls_cert", "host": name, "port": 443,
                       "server_name": name, "names": [name]})
    for port in (443, 7777):
        checks.append({"id": f"dev-{port}", "type": "tcp", "host": netlab.DEV_NODE, "port": port,
                       "expect": isolation_expect()})
    return checks


def config(lab, checks, network=None):
    return {"schema": 1, "device": {"name": "netlab-box"}, "network": network or static_network(),
            # A 3 s timeout keeps a silent peer's verdict quick; latency warnings are
            # not what these tests are about (ASan, a loaded CI machine).
            "defaults": {"timeout_ms": 3000, "latency_warn_ms": 8000},
            "trust_anchors_pem": lab.trust_anchors(), "checks": checks}
