"""SNMP: snmpwalk (net-snmp, Debian's `snmp`) with docs/PROBEBOX-MIB.txt loaded lists
the check table with the right states through the simulator's forwarded agent
port, MIB-2's system group names the box, and snmptrapd receives a
checkStateChange trap when a listener stops. And the agent's guards: nothing
answers unless alerts.snmp configures it, no write is ever accepted, only the
configured community reads, the communities are masked secrets in the API and
the read community never rides in a trap, and SNMPv3 (authPriv, SHA + AES)
answers the configured user only."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from simtest import (FIRST_BOOT, HOST, Listener, free_port, http_get, login, request, running_sim,
                     session_headers, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.abspath(os.path.join(HERE, "..", "..", "docs"))
MIBS = ["-M", f"{DOCS}/mibs:{DOCS}", "-m", "PROBEBOX-MIB"]
SYS_NAME = ".1.3.6.1.2.1.1.5.0"
SYS_CONTACT = ".1.3.6.1.2.1.1.4.0"
# snmpEnableAuthenTraps: writable in lwIP's MIB-2 (2 = disabled); `private` could set it.
AUTH_TRAPS = ".1.3.6.1.2.1.11.30.0"
ADMIN_PASSWORD = "snmp-admin-password"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snmp_env(tmp):
    # net-snmp reads no user's snmp.conf and keeps its state in the test's directory.
    return {**os.environ, "SNMPCONFPATH": tmp, "SNMP_PERSISTENT_DIR": tmp}


def snmp(tool, args, env, timeout_s=1, retries=1):
    return subprocess.run([tool, "-t", str(timeout_s), "-r", str(retries), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def v3_args(user="nms-ops", auth="auth-pass-4711", priv="priv-pass-4711", level="authPriv"):
    args = ["-v3", "-l", level, "-u", user]
    if level in ("authNoPriv", "authPriv"):
        args += ["-a", "SHA", "-A", auth]
    if level == "authPriv":
        args += ["-x", "AES", "-X", priv]
    return args


def ber(tag, value):
    n = len(value)
    length = bytes([n]) if n < 128 else bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + length + value


def v3_get_with_auth_params(auth_params):
    """An SNMPv3 GetRequest whose msgAuthenticationParameters is `auth_params`
    (lwIP 2.1.3 copies it into a 12-octet field unbounded)."""
    def integer(v):
        return ber(0x02, v.to_bytes(4, "big"))
    usm = ber(0x30, ber(0x04, b"\x80\x00\x00\x00\x01") + integer(0) + integer(0) + ber(0x04, b"nms-ops")
              + ber(0x04, auth_params) + ber(0x04, b""))
    pdu = ber(0xA0, integer(1) + integer(0) + integer(0)
              + ber(0x30, ber(0x30, ber(0x06, bytes.fromhex("2b06010201010500")) + b"\x05\x00")))
    header = ber(0x30, integer(77) + integer(65507) + ber(0x04, b"\x04") + integer(3))
    return ber(0x30, ber(0x02, b"\x03") + header + ber(0x04, usm) + ber(0x30, ber(0x04, b"") + ber(0x04, b"") + pdu))


def engine_boots(test, target, env):
    """SNMP-FRAMEWORK-MIB's snmpEngineBoots.0 over SNMPv3 (retried while keys are localized)."""
    r = None
    for _ in range(10):
        r = snmp("snmpget", [*v3_args(), "-On", "-Oqv", target, ".1.3.6.1.6.3.10.2.1.2.0"], env, timeout_s=2, retries=1)
        if r.returncode == 0:
            return int(r.stdout.strip())
    test.fail(f"snmpEngineBoots unreadable: {r.stderr}")


def change_admin_password(port):
    login(port)
    h = session_headers(port)
    status, _, body = request(port, "POST", "/api/password", {"current": FIRST_BOOT[port], "new": ADMIN_PASSWORD},
                              headers=h)
    assert status == 200, body
    return h


class SnmpOff(unittest.TestCase):
    """Without alerts.snmp (or with traps only) the agent answers nobody."""

    def test_no_answer_without_configuration(self):
        tmp = tempfile.mkdtemp()
        env = snmp_env(tmp)
        try:
            for snmp_conf in (None, {"trap_to": [f"{HOST}:{free_udp_port()}"]}):
                doc = {"schema": 1, "defaults": {"interval_s": 5}, "checks": []}
                if snmp_conf:
                    doc["alerts"] = {"snmp": snmp_conf}
                snmp_port = free_udp_port()
                with running_sim(doc, extra_args=("--snmp-port", str(snmp_port))) as (proc, port):
                    target = f"127.0.0.1:{snmp_port}"
                    for community in ("public", "private"):
                        for version in ("1", "2c"):
                            r = snmp("snmpget", [f"-v{version}", "-c", community, target, SYS_NAME], env)
                            self.assertNotEqual(r.returncode, 0, f"v{version} {community} answered: {r.stdout}")
                            self.assertIn("Timeout", r.stderr)
                    for version in ("1", "2c"):
                        r = snmp("snmpset", [f"-v{version}", "-c", "private", target, AUTH_TRAPS, "i", "1"], env)
                        self.assertNotEqual(r.returncode, 0, r.stdout)
                    r = snmp("snmpget", [*v3_args(), target, SYS_NAME], env)
                    self.assertNotEqual(r.returncode, 0, r.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class SnmpV2c(unittest.TestCase):
    def test_walk_and_trap(self):
        for tool in ("snmpwalk", "snmpget", "snmpset", "snmptrapd"):
            self.assertTrue(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"), f"{tool} missing: run scripts/setup")
        listener = Listener(max_s=120)
        tmp = tempfile.mkdtemp()
        env = snmp_env(tmp)
        trap_port = free_udp_port()
        conf = os.path.join(tmp, "snmptrapd.conf")
        with open(conf, "w") as f:
            f.write("authCommunity log,execute,net traps-b4\n")
        trapd_log = open(os.path.join(tmp, "traps.log"), "w+")
        trapd = subprocess.Popen([shutil.which("snmptrapd") or "/usr/sbin/snmptrapd", "-f", "-Lo", "-n", "-C",
                                  "-c", conf, *MIBS, f"udp:127.0.0.1:{trap_port}"],
                                 stdout=trapd_log, stderr=subprocess.STDOUT, env=env)
        # A second receiver on the same address sees the trap's bytes as they travel.
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.bind(("127.0.0.1", 0))
        raw.settimeout(0.2)
        snmp_port = free_udp_port()
        try:
            doc = {"schema": 1, "device": {"name": "probe-snmp", "location": "rack B4 U12"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "node1-7777", "type": "tcp", "host": HOST, "port": listener.port},
                              {"id": "dev-isolated", "type": "tcp", "host": HOST, "port": free_port(), "expect": "closed"},
                              {"id": "node1-27017", "type": "tcp", "host": HOST, "port": free_port()}],
                   "alerts": {"snmp": {"community": "rack-b4", "trap_community": "traps-b4",
                                       "trap_to": [f"{HOST}:{trap_port}", f"{HOST}:{raw.getsockname()[1]}"]}}}
            with running_sim(doc, extra_args=("--snmp-port", str(snmp_port))) as (proc, port):
                self.assertTrue(wait_for(lambda: all(c["hard"] != "unknown" for c in
                                                     json.loads(http_get(port, "/api/status")[2])["checks"]), 20))
                target = f"127.0.0.1:{snmp_port}"
                walk = snmp("snmpwalk", ["-v2c", "-c", "rack-b4", *MIBS, target, "PROBEBOX-MIB::checkTable"], env,
                            timeout_s=2, retries=2)
                self.assertEqual(walk.returncode, 0, walk.stderr)
                cells = {}
                for line in walk.stdout.splitlines():
                    if " = " in line and line.startswith("PROBEBOX-MIB::"):
                        name, value = line[len("PROBEBOX-MIB::"):].split(" = ", 1)
                        cells[name] = value.split(": ", 1)[-1].strip('"')
                self.assertEqual([cells[f"checkId.{i}"] for i in (1, 2, 3)], ["node1-7777", "dev-isolated", "node1-27017"])
                self.assertEqual([cells[f"checkState.{i}"] for i in (1, 2, 3)], ["ok(0)", "ok(0)", "critical(2)"])
                self.assertEqual([cells[f"checkGroup.{i}"] for i in (1, 2, 3)], ["ports", "isolation", "ports"])
                self.assertEqual(cells["checkType.1"], "tcp")
                self.assertIn("refused", cells["checkSummary.3"])
                self.assertEqual(cells["checkCertDaysLeft.1"], "-1 days")
                overall = snmp("snmpget", ["-v2c", "-c", "rack-b4", *MIBS, target, "PROBEBOX-MIB::overallState.0",
                                           SYS_NAME, ".1.3.6.1.2.1.1.6.0"], env, timeout_s=2, retries=2)
                self.assertIn("overallState.0 = INTEGER: critical(2)", overall.stdout, overall.stdout + overall.stderr)
                self.assertIn("probe-snmp", overall.stdout)
                self.assertIn("rack B4 U12", overall.stdout)
                # MIB-2 interfaces answer too.
                ifs = snmp("snmpwalk", ["-v2c", "-c", "rack-b4", target, ".1.3.6.1.2.1.2.2.1.2"], env, timeout_s=2, retries=2)
                self.assertEqual(ifs.returncode, 0, ifs.stderr)
                self.assertTrue(ifs.stdout.strip(), "ifDescr is empty")
                # A wrong community, `public` and the trap community get nothing; nor does SNMPv1.
                for community in ("wrong", "public", "private", "traps-b4"):
                    bad = snmp("snmpget", ["-v2c", "-c", community, target, SYS_NAME], env)
                    self.assertNotEqual(bad.returncode, 0, f"{community}: {bad.stdout}")
                # A GetBulk with a negative max-repetitions (lwIP decodes it with a shift the
                # sanitizers call undefined) is answered, and the simulator lives on.
                bulk = ber(0x30, ber(0x02, b"\x01") + ber(0x04, b"rack-b4") + ber(0xA5, ber(0x02, b"\x04\xd2")
                           + ber(0x02, b"\x00") + ber(0x02, b"\xb8")
                           + ber(0x30, ber(0x30, ber(0x06, bytes.fromhex("2b06010201010500")) + b"\x05\x00"))))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(2)
                    s.sendto(bulk, ("127.0.0.1", snmp_port))
                    self.assertTrue(s.recv(2048))
                self.assertIsNone(proc.poll())
                v1 = snmp("snmpget", ["-v1", "-c", "rack-b4", target, SYS_NAME], env)
                self.assertNotEqual(v1.returncode, 0, v1.stdout)
                # Read-only: a set with any community, the read one included, changes nothing.
                for community in ("private", "rack-b4"):
                    for oid, kind, value in ((AUTH_TRAPS, "i", "1"), (SYS_CONTACT, "s", "pwned"), (SYS_NAME, "s", "pwned")):
                        r = snmp("snmpset", ["-v2c", "-c", community, target, oid, kind, value], env)
                        self.assertNotEqual(r.returncode, 0, f"set {oid} with {community}: {r.stdout}")
                after = snmp("snmpget", ["-v2c", "-c", "rack-b4", "-On", target, AUTH_TRAPS, SYS_CONTACT, SYS_NAME], env,
                             timeout_s=2, retries=2)
                self.assertEqual(after.returncode, 0, after.stderr)
                self.assertIn(f"{AUTH_TRAPS} = INTEGER: 2", after.stdout)
                self.assertNotIn("pwned", after.stdout)
                self.assertIn("probe-snmp", after.stdout)

                listener.close()
                def trapped():
                    trapd_log.seek(0)
                    text = trapd_log.read()
                    return "checkStateChange" in text and "node1-7777" in text and text
                text = wait_for(trapped, 20)
                self.assertTrue(text, "no trap arrived")
                self.assertIn("critical", text)
                packets = []
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and not any(b"node1-7777" in p for p in packets):
                    try:
                        packets.append(raw.recv(2048))
                    except socket.timeout:
                        pass
                trap = next((p for p in packets if b"node1-7777" in p), None)
                self.assertIsNotNone(trap, "the second receiver on the same address got no trap")
                self.assertIn(b"traps-b4", trap)
                self.assertNotIn(b"rack-b4", trap, "the read community rode in a trap")
        finally:
            listener.close()
            raw.close()
            trapd.terminate()
            trapd.wait(5)
            trapd_log.close()
            shutil.rmtree(tmp, ignore_errors=True)


class SnmpSecrets(unittest.TestCase):
    """The community is write-only in the API: masked on GET, kept by a PUT of the mask."""

    def test_community_masked_and_kept(self):
        tmp = tempfile.mkdtemp()
        env = snmp_env(tmp)
        snmp_port = free_udp_port()
        try:
            doc = {"schema": 1, "defaults": {"interval_s": 5}, "checks": [],
                   "alerts": {"snmp": {"community": "s3cret-comm",
                                       "v3": {"user": "nms-ops", "auth_password": "auth-pass-4711",
                                              "priv_password": "priv-pass-4711"}}}}
            with running_sim(doc, extra_args=("--snmp-port", str(snmp_port))) as (proc, port):
                target = f"127.0.0.1:{snmp_port}"
                h = change_admin_password(port)
                shown_text = http_get(port, "/api/config")[2]
                for secret in (b"s3cret-comm", b"auth-pass-4711", b"priv-pass-4711"):
                    self.assertNotIn(secret, shown_text)
                shown = json.loads(shown_text)
                self.assertEqual(shown["alerts"]["snmp"]["community"], "********")
                self.assertEqual(shown["alerts"]["snmp"]["v3"]["auth_password"], "********")
                self.assertEqual(shown["alerts"]["snmp"]["v3"]["user"], "nms-ops")
                # PUT it back as shown, with the device renamed: the community still reads.
                shown["device"] = {"name": "renamed-box"}
                status, _, body = request(port, "PUT", "/api/config", shown, headers=h)
                self.assertEqual(status, 200, body)
                r = snmp("snmpget", ["-v2c", "-c", "s3cret-comm", target, SYS_NAME], env, timeout_s=2, retries=2)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("renamed-box", r.stdout)
                self.assertNotEqual(snmp("snmpget", ["-v2c", "-c", "********", target, SYS_NAME], env).returncode, 0)
                # v3 keys were kept too (and localized again for the new config).
                r3 = None
                for _ in range(10):
                    r3 = snmp("snmpget", [*v3_args(), target, SYS_NAME], env, timeout_s=2, retries=1)
                    if r3.returncode == 0:
                        break
                self.assertEqual(r3.returncode, 0, r3.stderr)
                # A new community replaces it.
                shown["alerts"]["snmp"]["community"] = "next-comm"
                status, _, body = request(port, "PUT", "/api/config", shown, headers=h)
                self.assertEqual(status, 200, body)
                self.assertEqual(snmp("snmpget", ["-v2c", "-c", "next-comm", target, SYS_NAME], env,
                                      timeout_s=2, retries=2).returncode, 0)
                self.assertNotEqual(snmp("snmpget", ["-v2c", "-c", "s3cret-comm", target, SYS_NAME], env).returncode, 0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class SnmpV3(unittest.TestCase):
    """SNMPv3 only: the configured user with SHA + AES walks; nothing else gets in."""

    def test_authpriv_walk_and_refusals(self):
        tmp = tempfile.mkdtemp()
        env = snmp_env(tmp)
        snmp_port = free_udp_port()
        listener = Listener(max_s=120)
        try:
            doc = {"schema": 1, "device": {"name": "probe-v3"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "node1-7777", "type": "tcp", "host": HOST, "port": listener.port}],
                   "alerts": {"snmp": {"v3": {"user": "nms-ops", "auth_password": "auth-pass-4711",
                                              "priv_password": "priv-pass-4711"}}}}
            flash = os.path.join(tmp, "flash.bin")
            with running_sim(doc, extra_args=("--snmp-port", str(snmp_port)), flash=flash) as (proc, port):
                target = f"127.0.0.1:{snmp_port}"
                self.assertTrue(wait_for(lambda: all(c["hard"] == "ok" for c in
                                                     json.loads(http_get(port, "/api/status")[2])["checks"]), 20))
                walk = None
                for _ in range(10):  # the keys are localized over the first steps
                    walk = snmp("snmpwalk", [*v3_args(), *MIBS, target, "PROBEBOX-MIB::checkTable"], env,
                                timeout_s=2, retries=1)
                    if walk.returncode == 0 and "checkId.1" in walk.stdout:
                        break
                self.assertEqual(walk.returncode, 0, walk.stderr)
                self.assertIn("checkId.1 = STRING: node1-7777", walk.stdout)
                self.assertIn("checkState.1 = INTEGER: ok(0)", walk.stdout)
                system = snmp("snmpwalk", [*v3_args(), target, ".1.3.6.1.2.1.1"], env, timeout_s=2, retries=1)
                self.assertEqual(system.returncode, 0, system.stderr)
                self.assertIn("probe-v3", system.stdout)
                # An oversized msgAuthenticationParameters (before any authentication) is dropped
                # unread; the same message with a 12-octet field still gets lwIP's report.
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(2)
                    s.sendto(v3_get_with_auth_params(b"A" * 12), ("127.0.0.1", snmp_port))
                    self.assertTrue(s.recv(2048), "a well-formed v3 message gets a report")
                    for size in (13, 200, 1000):
                        s.sendto(v3_get_with_auth_params(b"A" * size), ("127.0.0.1", snmp_port))
                    time.sleep(1)
                self.assertIsNone(proc.poll(), "the simulator died on an oversized SNMPv3 field")
                again = snmp("snmpget", [*v3_args(), target, SYS_NAME], env, timeout_s=2, retries=1)
                self.assertEqual(again.returncode, 0, again.stderr)
                # Wrong passwords, another user, weaker levels: refused.
                refused = {
                    "wrong auth password": v3_args(auth="wrong-pass-0000"),
                    "wrong priv password": v3_args(priv="wrong-pass-0000"),
                    "unknown user": v3_args(user="intruder"),
                    "authNoPriv": v3_args(level="authNoPriv"),
                    "noAuthNoPriv": v3_args(level="noAuthNoPriv"),
                }
                for what, args in refused.items():
                    r = snmp("snmpget", [*args, target, SYS_NAME], env)
                    self.assertNotEqual(r.returncode, 0, f"{what} answered: {r.stdout}")
                    self.assertNotIn("probe-v3", r.stdout, what)
                # No v2c without a community.
                for community in ("public", "private"):
                    r = snmp("snmpget", ["-v2c", "-c", community, target, SYS_NAME], env)
                    self.assertNotEqual(r.returncode, 0, r.stdout)
                # Read-only over v3 too.
                for oid, kind, value in ((AUTH_TRAPS, "i", "1"), (SYS_CONTACT, "s", "pwned")):
                    r = snmp("snmpset", [*v3_args(), target, oid, kind, value], env, timeout_s=2)
                    self.assertNotEqual(r.returncode, 0, r.stdout)
                after = snmp("snmpget", [*v3_args(), "-On", target, AUTH_TRAPS, SYS_CONTACT], env, timeout_s=2)
                self.assertEqual(after.returncode, 0, after.stderr)
                self.assertIn(f"{AUTH_TRAPS} = INTEGER: 2", after.stdout)
                self.assertNotIn("pwned", after.stdout)
                boots = engine_boots(self, target, env)
            # snmpEngineBoots counts starts in flash: a message recorded before a restart
            # is outside the time window after it.
            with running_sim(None, extra_args=("--snmp-port", str(snmp_port)), flash=flash) as (proc, port):
                self.assertEqual(engine_boots(self, f"127.0.0.1:{snmp_port}", env), boots + 1)
        finally:
            listener.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
