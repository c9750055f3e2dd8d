"""The bench's lab reached through TAP devices instead of libslirp (`peers.py --net tap`).

With slirp every guest connection is a host socket of the simulator's own; on a TAP the
simulator only writes and reads frames, and the host's TCP/IP stack is the lab's side of
each connection. Measuring the steady cycle both ways separates the host network layer's
cost from the rest.

Each TAP's host side has the gateway address of a documentation range; the simulator
behind it has .10 in that range. The lab listens on LAB (192.0.2.1, pbtap0's host side:
tests/lab/lab_address.py), which the boxes reach as they would a server on their own
network, and the exporter reaches through loopback: nothing rewrites a packet on the way,
so no connection tracking runs for either (until stop 56 nftables sent the boxes'
traffic on to a lab on 127.0.0.1, and the kernel's NAT and connection tracking, about
7 % of the box's marginal cycle, ran in the simulator's own system calls). The bench
reads each box's web UI through a relay of its own, a local port per device
(UiRelay), outside every measured process.

Only inside a network namespace of its own, which `peers.py` makes with `unshare -n`
(the addresses must never sit on a namespace with real interfaces); nothing routes out.
"""
import selectors
import socket
import subprocess
import threading

from peer_configs import TAP_HOST as LAB  # one definition, shared with the configs
# (device, the box's address, the host side's address)
# pbtap2 holds the second build of the side-by-side phase (`--net tap --only ab`).
DEVICES = {"pbtap0": ("192.0.2.10", LAB), "pbtap1": ("198.51.100.10", "198.51.100.1"),
           "pbtap2": ("203.0.113.10", "203.0.113.1")}
# A relayed connection lives at most this long: the bench's requests take milliseconds.
RELAY_LIMIT_S = 120


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


class UiRelay:
    """127.0.0.1:port -> a box's web UI (its address, port 80), for the bench's own
    requests: a thread in the bench, each connection piped both ways until either side
    closes (or RELAY_LIMIT_S)."""

    def __init__(self, port, box):
        self.box = box
        self.listener = socket.create_server(("127.0.0.1", port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client):
        try:
            upstream = socket.create_connection((self.box, 80), timeout=10)
        except OSError:
            client.close()
            return
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        open_ends = 2
        try:
            while open_ends:
                ready = sel.select(timeout=RELAY_LIMIT_S)
                if not ready:
                    return
                for key, _ in ready:
                    data = key.fileobj.recv(65536)
                    if data:
                        key.data.sendall(data)
                    else:
                        sel.unregister(key.fileobj)
                        open_ends -= 1
                        try:
                            key.data.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        except OSError:
            pass
        finally:
            sel.close()
            client.close()
            upstream.close()


def enter(ui_ports):
    """Creates the TAP devices and their addresses, and a relay to each box's web UI
    (ui_ports maps each device to its local port). Raises when the namespace is not
    private or a step fails."""
    if not private_namespace():
        raise RuntimeError("--net tap runs only in a network namespace of its own (peers.py starts it "
                           "under unshare -n)")
    _run(["ip", "link", "set", "lo", "up"])
    for dev, (box, host) in DEVICES.items():
        _run(["ip", "tuntap", "add", "dev", dev, "mode", "tap"])
        _run(["ip", "addr", "add", f"{host}/24", "dev", dev])
        _run(["ip", "link", "set", dev, "up"])
        UiRelay(ui_ports[dev], box)


def network(dev, dns, ntp):
    """The config's network section for a box on dev: static, the host side as gateway."""
    box, host = DEVICES[dev]
    return {"mode": "static", "address": f"{box}/24", "gateway": host, "dns": dns, "ntp": ntp}
