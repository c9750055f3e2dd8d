"""The bench's lab reached through TAP devices instead of libslirp (`peers.py --net tap`).

With slirp every guest connection is a host socket of the simulator's own; on a TAP the
simulator only writes and reads frames, and the host's TCP/IP stack is the lab's side of
each connection. Measuring the steady cycle both ways separates the host network layer's
cost from the rest.

The lab keeps binding 127.0.0.1. Each TAP's host side has the gateway address of a
documentation range; the simulator behind it has .10 in that range. nftables sends what
the boxes address to LAB (192.0.2.1) to 127.0.0.1, and a forwarded local port to each
box's web UI (port 80), so the bench reads /api/status as it does through slirp.

Only inside a network namespace of its own, which `peers.py` makes with `unshare -n`
(the addresses must never sit on a namespace with real interfaces); nothing routes out.
"""
import os
import subprocess

from peer_configs import TAP_HOST as LAB  # one definition, shared with the configs
# (device, the box's address, the host side's address)
# pbtap2 holds the second build of the side-by-side phase (`--net tap --only ab`).
DEVICES = {"pbtap0": ("192.0.2.10", LAB), "pbtap1": ("198.51.100.10", "198.51.100.1"),
           "pbtap2": ("203.0.113.10", "203.0.113.1")}


def private_namespace():
    """True in a namespace whose only interface is loopback: one `unshare -n` made."""
    # /proc/self/net is this namespace's (sysfs shows the namespace it was mounted in).
    with open("/proc/self/net/dev") as f:
        names = [line.split(":", 1)[0].strip() for line in f.readlines()[2:]]
    return names == ["lo"]


def _run(argv, stdin=None):
    r = subprocess.run(argv, input=stdin, text=True, capture_output=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"tap_lab: {' '.join(argv)}: {r.stderr.strip()}")


def enter(ui_ports):
    """Creates the TAP devices, their addresses and the NAT rules. ui_ports maps each
    device to the local port that reaches its box's web UI. Raises when the namespace is
    not private or a step fails."""
    if not private_namespace():
        raise RuntimeError("--net tap runs only in a network namespace of its own (peers.py starts it "
                           "under unshare -n)")
    _run(["ip", "link", "set", "lo", "up"])
    ui_rules = []
    for dev, (box, host) in DEVICES.items():
        _run(["ip", "tuntap", "add", "dev", dev, "mode", "tap"])
        _run(["ip", "addr", "add", f"{host}/24", "dev", dev])
        _run(["ip", "link", "set", dev, "up"])
        # A destination rewritten to 127.0.0.1 on a non-loopback device is dropped as a
        # martian unless the device allows it.
        _run(["sysctl", "-qw", f"net.ipv4.conf.{dev}.route_localnet=1"])
        ui_rules.append(f"ip daddr 127.0.0.1 tcp dport {ui_ports[dev]} dnat to {box}:80;")
    devices = ", ".join(f'"{d}"' for d in DEVICES)
    _run(["nft", "-f", "-"], stdin=f"""
table ip probebox_bench {{
  chain from_boxes {{ type nat hook prerouting priority -100; ip daddr {LAB} dnat to 127.0.0.1; }}
  chain to_boxes {{ type nat hook output priority -100; {' '.join(ui_rules)} }}
  chain from_host {{ type nat hook postrouting priority 100; oifname {{ {devices} }} ip saddr 127.0.0.1 masquerade; }}
}}
""")


def network(dev, dns, ntp):
    """The config's network section for a box on dev: static, the host side as gateway."""
    box, host = DEVICES[dev]
    return {"mode": "static", "address": f"{box}/24", "gateway": host, "dns": dns, "ntp": ntp}
