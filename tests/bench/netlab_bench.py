"""The bench's steady phase against the network lab's real servers (`peers.py --net netlab`).

The bench's own lab (tests/lab) is Python stand-ins on 127.0.0.1, written here. The
network lab (tests/netlab, docs/netlab.md) is the appliance's network: haproxy, nginx,
postfix with dovecot, unbound and chrony on their real ports, in namespaces of their
own. Measuring the steady cycle there as well says whether the ratio holds against
the servers an appliance runs, reached over a network rather than loopback.

Outside (`run`, called by peers.py's steady-netlab phase): the lab comes up, peers.py
runs again inside the lab's test-client namespace (192.0.2.5) with the lab's resolver
bound over /etc/resolv.conf, and the lab goes down. Inside (`enter`, `steady_config`,
`idle_config`): blackbox_exporter runs there, as a monitoring host on the prod segment
would, and the boxes reach the servers one of two ways:
 - tap: the two boxes run in the switch namespace on the lab's two TAPs (the measured
   one at .50, the idle one at .51); their web UIs are reached through local ports
   this namespace forwards to them, as tap_lab does, so the bench reads them as always;
 - slirp: the boxes run here, through libslirp. Its egress guard lets a guest reach
   the host's 127.0.0.1 and, given `--lab-net` (the simulator takes it only in a
   namespace other than the machine's own, with no default route: host-sim/lab_reach.h),
   the lab's documentation-range networks. The checks are the same as on the TAPs
   (the servers' own names and addresses, the lab's resolver and time server), as the
   exporter beside them has them: nothing is rewritten on the way. (Until stop 57 the
   guard took 127.0.0.1 only and this namespace DNATed a local port to each server:
   connection tracking and NAT in every packet of the box's, which the exporter's
   connections did not pay.)

The lab's network rule holds: everything here happens inside the lab's namespaces,
on its own nftables table; the lab's reaper removes them after the TTL should the
bench die.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netlab"))
import netlab  # noqa: E402  (constants)
import netlabtest  # noqa: E402  (the appliance's checks as the netlab tests run them)

BOXES = {"main": "192.0.2.50", "idle": "192.0.2.51"}
# Isolation checks: the lab's router drops what prod sends to dev, so each is a SYN
# and a 3 s timer for the box, and a connect that times out for the exporter, which
# cannot expect a failure (it would report every one as failed). Left out of both.
LEFT_OUT = ("dev-443", "dev-7777")


def state(lab_dir):
    with open(os.path.join(lab_dir, "netlab.json")) as f:
        return json.load(f)


def _run(argv, stdin=None, timeout=60):
    r = subprocess.run(argv, input=stdin, text=True, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"netlab_bench: {' '.join(argv)}: {(r.stderr or r.stdout).strip()}")
    return r.stdout


def run(peers_argv, ttl_s, window_s):
    """Brings the lab up, runs `peers.py --net netlab` (peers_argv: its other arguments)
    inside the test-client namespace, takes the lab down. Returns peers.py's exit code."""
    lab = netlabtest.Lab(ttl_s=ttl_s).up()
    try:
        st = lab.state
        resolv = os.path.join(lab.dir, "conf", "resolv.conf")
        cmd = ["ip", "netns", "exec", st["client_namespace"], "sh", "-c",
               'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv,
               "timeout", str(int(window_s + 600)), sys.executable, os.path.join(HERE, "peers.py"),
               "--net", "netlab", "--netlab-dir", lab.dir, *peers_argv]
        return subprocess.run(cmd, timeout=window_s + 900).returncode
    finally:
        lab.down()


def in_client_namespace(st):
    """True when this process runs in the lab's test-client namespace."""
    here = os.stat("/proc/self/ns/net")
    there = os.stat(os.path.join("/run/netns", st["client_namespace"]))
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def enter(st, ui_ports):
    """The forwarded ports to each box's web UI on the TAPs (ui_ports: {"main": port,
    "idle": port}; None for boxes behind libslirp, whose UIs libslirp forwards from this
    namespace's 127.0.0.1 itself), in the test-client namespace only."""
    if not in_client_namespace(st):
        raise RuntimeError("--net netlab runs only inside the lab's test-client namespace (the steady-netlab "
                           "phase starts it there)")
    _run(["ip", "link", "set", "lo", "up"])
    if ui_ports is None:
        return
    links = json.loads(_run(["ip", "-j", "addr", "show"]))
    dev = next(link["ifname"] for link in links for a in link.get("addr_info", [])
               if a.get("local") == netlab.CLIENT)
    # A destination rewritten from 127.0.0.1 to another device is a martian unless
    # the device allows it.
    _run(["sysctl", "-qw", f"net.ipv4.conf.{dev}.route_localnet=1"])
    rules = " ".join(f"ip daddr 127.0.0.1 tcp dport {ui_ports[k]} dnat to {BOXES[k]}:80;" for k in BOXES)
    _run(["nft", "-f", "-"], stdin=f"""
table ip probebox_bench {{
  chain to_boxes {{ type nat hook output priority -100; {rules} }}
  chain from_here {{ type nat hook postrouting priority 100; oifname "{dev}" ip saddr 127.0.0.1 masquerade; }}
}}
""")


def _network(box):
    return dict(netlabtest.static_network(), address=f"{BOXES[box]}/24")


# The lab's networks a box behind libslirp is let reach (probebox-sim --lab-net): the
# prod segment and the "internet"; dev stays out of reach, as the isolation checks
# (left out here) expect of a prod box.
SLIRP_LAB_NETS = ("192.0.2.0/24", "203.0.113.0/24")


def slirp_sim_args():
    return [arg for net in SLIRP_LAB_NETS for arg in ("--lab-net", net)]


class _LabDir:
    """A lab already up, known by its directory (netlabtest's helpers take a Lab)."""
    trust_anchors = netlabtest.Lab.trust_anchors

    def __init__(self, lab_dir):
        self.dir = lab_dir


def steady_config(lab_dir, sim, interval_s=10, slirp=False):
    """The appliance's checks as the netlab tests run them (tests/netlab/netlabtest.py),
    less the isolation checks, every `interval_s`, confirmed twice like the demo profile.
    sim: the simulator, which netlabtest asks which keys its config parser takes.
    slirp: for a box behind libslirp (its address from libslirp's DHCP, the lab's
    resolver and time server named), else on a TAP (the lab's static address)."""
    netlabtest.SIM = sim
    lab = _LabDir(lab_dir)
    checks = [c for c in netlabtest.appliance_checks() if c["id"] not in LEFT_OUT]
    doc = netlabtest.config(lab, checks, netlabtest.dhcp_network() if slirp else _network("main"))
    doc["defaults"] = dict(doc["defaults"], interval_s=interval_s, confirm=2)
    return doc


def idle_config(steady, slirp=False):
    """The same box with (almost) nothing to do: one tcp check of node 1, run once at start."""
    check = {"id": "tcp", "type": "tcp", "host": netlab.NODES[1], "port": netlab.MESH[0]}
    network = steady["network"] if slirp else _network("idle")
    return dict(steady, network=network, defaults=dict(steady["defaults"], interval_s=600), checks=[check])


def root_pem(lab_dir, path):
    """The lab's two roots (its own and its "internet"'s), as the boxes are given them."""
    with open(path, "w") as f:
        f.write(_LabDir(lab_dir).trust_anchors())
    return path


def smtp_login():
    """The lab's relay login, which the exporter sends too (the nodes' health key reaches
    it with the http checks, peer_configs.checks_from_once)."""
    return netlab.SMTP_USER, netlab.SMTP_PASSWORD


if __name__ == "__main__":
    # Brings the lab up and runs peers.py --net netlab with the arguments given, e.g.
    # two builds side by side behind libslirp:
    #   netlab_bench.py --netlab-link slirp --only ab --ab base=BIN,new=BIN --ab-windows 4
    ap = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    ap.add_argument("--ab-windows", type=int, default=4)
    ap.add_argument("--steady-windows", type=int, default=3)
    ap.add_argument("--steady-cycles", type=int, default=12)
    ap.add_argument("--interval", type=int, default=0)
    known, _ = ap.parse_known_args()
    # The run's bound: every window measured, twice over for each window's start (its
    # boxes' first cycles) and the lab's set-up.
    windows = max(known.ab_windows, known.steady_windows)
    window_s = 2 * windows * known.steady_cycles * (known.interval or 10)
    sys.exit(run(sys.argv[1:], ttl_s=window_s + 900, window_s=window_s))
