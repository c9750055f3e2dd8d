"""The lab itself keeps the network rule: documentation ranges only, no default
route, nothing in the caller's namespace, every namespace gone on `down` and after
the TTL even when nobody calls `down`."""
import ipaddress
import json
import os
import re
import subprocess
import time
import unittest

import netlabtest as nt

LAB_NETS = [ipaddress.ip_network(n) for n in nt.netlab.LAB_NETS]


def setUpModule():
    nt.require_lab()


def sh(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout


def read(path):
    with open(path) as f:
        return f.read()


def without_lifetimes(text):
    # A DHCP or SLAAC address's lifetimes (and an RA route's expiry) count down by
    # themselves: not a change.
    return re.sub(r"(valid_lft|preferred_lft|expires) \S+", r"\1 -", text)


def host_snapshot():
    """What the lab must never change in the namespace it was started from."""
    return {"links": sh("ip", "-o", "link", "show"), "addrs": without_lifetimes(sh("ip", "-o", "addr", "show")),
            "routes": without_lifetimes(sh("ip", "route", "show", "table", "all")),
            "nft": sh("nft", "list", "ruleset"),
            "forward": read("/proc/sys/net/ipv4/ip_forward")}


def lab_namespaces(lab_id):
    return [n.split()[0] for n in sh("ip", "netns", "list").splitlines() if n.startswith(f"pbnl-{lab_id}-")]


class LabKeepsTheNetworkRule(unittest.TestCase):
    def test_ranges_routes_names_and_clean_down(self):
        before = host_snapshot()
        lab = nt.Lab()
        try:
            lab.up()
            lab_id = lab.state["id"]
            namespaces = lab_namespaces(lab_id)
            self.assertEqual(sorted(namespaces), sorted(lab.state["namespaces"]))
            self.assertEqual(len(namespaces), len(nt.netlab.HOSTS))
            self.assertLess(lab.state["up_seconds"], 30)
            for ns in namespaces:
                addrs = json.loads(sh("ip", "-n", ns, "-j", "addr", "show"))
                for link in addrs:
                    if link["ifname"] != "lo":
                        self.assertTrue(link["ifname"].startswith(f"pb{lab_id}"), (ns, link["ifname"]))
                    for a in link.get("addr_info", []):
                        if a["family"] != "inet" or a["local"].startswith("127."):
                            self.assertNotEqual(a["family"], "inet6", (ns, a))  # IPv6 is off in the lab
                            continue
                        ip = ipaddress.ip_address(a["local"])
                        self.assertTrue(any(ip in n for n in LAB_NETS), (ns, a["local"]))
                routes = json.loads(sh("ip", "-n", ns, "-j", "route", "show", "table", "all"))
                for r in routes:
                    if r.get("table") == "local" or r.get("type") in ("local", "broadcast"):
                        continue
                    self.assertNotEqual(r["dst"], "default", (ns, r))
                    self.assertTrue(any(ipaddress.ip_network(r["dst"]).subnet_of(n) for n in LAB_NETS), (ns, r))
            # The bridges hold only the lab's own veths and the box's TAP.
            sw = lab.state["switch_namespace"]
            for link in json.loads(sh("ip", "-n", sw, "-j", "link", "show")):
                if link.get("master"):
                    self.assertTrue(link["ifname"].startswith(f"pb{lab_id}"), link["ifname"])
            # Nothing from the lab in the caller's namespace while it is up, either.
            self.assertEqual(host_snapshot(), before)
            # A fault name the lab does not know is refused, not ignored.
            r = lab.cli("set", "node:9", "down", check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("unknown fault", r.stderr)
            pids = [p for ns in namespaces for p in nt.netlab.ns_pids(ns)]
            self.assertGreater(len(pids), 10)
        finally:
            began = time.monotonic()
            lab.down()
            down_s = time.monotonic() - began
        self.assertEqual(lab_namespaces(lab_id), [])
        for p in pids:
            self.assertFalse(os.path.exists(f"/proc/{p}/ns/net"), f"lab process {p} survived down")
        self.assertEqual(host_snapshot(), before)
        self.assertLess(down_s, 15)

    def test_ttl_takes_the_lab_down_without_down(self):
        lab = nt.Lab(ttl_s=20)
        try:
            lab.up()
            lab_id = lab.state["id"]
            self.assertTrue(lab_namespaces(lab_id))
            deadline = time.monotonic() + 60
            while lab_namespaces(lab_id) and time.monotonic() < deadline:
                time.sleep(0.5)
            self.assertEqual(lab_namespaces(lab_id), [], "the reaper did not remove the lab after its TTL")
            self.assertFalse(os.path.exists(os.path.join(lab.dir, "netlab.json")))
        finally:
            lab.down()


if __name__ == "__main__":
    unittest.main()
