"""SNMP: snmpwalk (net-snmp, Debian's `snmp`) with docs/PROBEBOX-MIB.txt loaded lists
the check table with the right states through the simulator's forwarded agent
port, MIB-2's system group names the box, and snmptrapd receives a
checkStateChange trap when a listener stops."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from simtest import HOST, Listener, by_id, free_port, http_get, running_sim, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.abspath(os.path.join(HERE, "..", "..", "docs"))
MIBS = ["-M", f"{DOCS}/mibs:{DOCS}", "-m", "PROBEBOX-MIB"]


def free_udp_port():
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Snmp(unittest.TestCase):
    def test_walk_and_trap(self):
        for tool in ("snmpwalk", "snmpget", "snmptrapd"):
            self.assertTrue(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"), f"{tool} missing: run scripts/setup")
        listener = Listener(max_s=120)
        tmp = tempfile.mkdtemp()
        trap_port = free_udp_port()
        conf = os.path.join(tmp, "snmptrapd.conf")
        with open(conf, "w") as f:
            f.write("authCommunity log,execute,net rack-b4\ndisableAuthorization yes\n")
        trapd_log = open(os.path.join(tmp, "traps.log"), "w+")
        trapd = subprocess.Popen([shutil.which("snmptrapd") or "/usr/sbin/snmptrapd", "-f", "-Lo", "-n", "-C",
                                  "-c", conf, *MIBS, f"udp:127.0.0.1:{trap_port}"],
                                 stdout=trapd_log, stderr=subprocess.STDOUT)
        snmp_port = free_udp_port()
        try:
            doc = {"schema": 1, "device": {"name": "probe-snmp", "location": "rack B4 U12"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "node1-7777", "type": "tcp", "host": HOST, "port": listener.port},
                              {"id": "dev-isolated", "type": "tcp", "host": HOST, "port": free_port(), "expect": "closed"},
                              {"id": "node1-27017", "type": "tcp", "host": HOST, "port": free_port()}],
                   "alerts": {"snmp": {"community": "rack-b4", "trap_to": [f"{HOST}:{trap_port}"]}}}
            with running_sim(doc, extra_args=("--snmp-port", str(snmp_port))) as (proc, port):
                self.assertTrue(wait_for(lambda: all(c["hard"] != "unknown" for c in
                                                     json.loads(http_get(port, "/api/status")[2])["checks"]), 20))
                target = f"127.0.0.1:{snmp_port}"
                walk = subprocess.run(["snmpwalk", "-v2c", "-c", "rack-b4", "-t", "2", "-r", "2", *MIBS, target,
                                       "PROBEBOX-MIB::checkTable"], capture_output=True, text=True, timeout=30)
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
                overall = subprocess.run(["snmpget", "-v2c", "-c", "rack-b4", *MIBS, target,
                                          "PROBEBOX-MIB::overallState.0",
                                          ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.6.0"],
                                         capture_output=True, text=True, timeout=30)
                self.assertIn("overallState.0 = INTEGER: critical(2)", overall.stdout, overall.stdout + overall.stderr)
                self.assertIn("probe-snmp", overall.stdout)
                self.assertIn("rack B4 U12", overall.stdout)
                # MIB-2 interfaces answer too.
                ifs = subprocess.run(["snmpwalk", "-v2c", "-c", "rack-b4", target, ".1.3.6.1.2.1.2.2.1.2"],
                                     capture_output=True, text=True, timeout=30)
                self.assertEqual(ifs.returncode, 0, ifs.stderr)
                self.assertTrue(ifs.stdout.strip(), "ifDescr is empty")
                # A wrong community gets nothing.
                bad = subprocess.run(["snmpget", "-v2c", "-c", "wrong", "-t", "1", "-r", "0", target, ".1.3.6.1.2.1.1.5.0"],
                                     capture_output=True, text=True, timeout=30)
                self.assertNotEqual(bad.returncode, 0)

                listener.close()
                def trapped():
                    trapd_log.seek(0)
                    text = trapd_log.read()
                    return "checkStateChange" in text and "node1-7777" in text and text
                text = wait_for(trapped, 20)
                self.assertTrue(text, "no trap arrived")
                self.assertIn("critical", text)
        finally:
            listener.close()
            trapd.terminate()
            trapd.wait(5)
            trapd_log.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
