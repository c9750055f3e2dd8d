#!/usr/bin/env python3
"""The local lab: servers on 127.0.0.1 that play an Auth0 appliance in good and bad
health, for the demo and the integration tests. Nothing binds anywhere but 127.0.0.1
(or, in the bench's private TAP namespace only, the documentation-range address
lab_address.py takes) and nothing forwards anywhere; every server stops on SIGTERM or
after --max-seconds.

  lab.py up --dir DIR [--base-port N]   start in the background, write DIR/lab.json
  lab.py set --dir DIR SERVICE MODE     change a service's behaviour (within 200 ms)
  lab.py status --dir DIR               print lab.json and the current modes
  lab.py down --dir DIR                 stop everything

Services and modes (README.md beside this file has the ports):
  testall   ok | fail | stall | slow:<ms> | chunked | redirect | skew | down
  sntp      ok | offset:<ms> | kod | unsync | silent
  dns       up | down
  tcp:<port> open | closed    (the mesh ports; the isolated port is never opened)
"""
import argparse
import email.utils
import http.server
import json
import os
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
import urllib.request

import lab_address

LOOPBACK = "127.0.0.1"
# What the servers bind: LOOPBACK but in the bench's TAP namespace (lab_address.py).
ADDRESS = lab_address.listen_address()
NTP_EPOCH_OFFSET = 2208988800
HEALTH_KEY = "lab-health-key"
# The appliance's names point at its load balancer, which the box reaches as 10.0.2.2
# (through slirp; a lab reached through a TAP names its own address: `--lb-address`).
SLIRP_HOST = "10.0.2.2"
NAMES = {"manage.lab.test": ["10.0.2.2"], "rta.lab.test": ["10.0.2.2"], "webtask.lab.test": ["10.0.2.2"],
         "app1.lab.test": ["10.0.2.2"], "extra.lab.test": ["10.0.2.2", "127.0.0.2"],
         "node1.lab.test": ["10.0.2.2"],
         # More than fits a 512-byte UDP answer: the resolver truncates, clients retry over TCP.
         "many.lab.test": [f"127.0.1.{i}" for i in range(1, 41)]}


def default_ports(base):
    """Fixed ports by default, so the demo config can be static."""
    if base is None:
        return {"testall": 18080, "dns": 15353, "sntp": 12300, "control": 18999,
                "mesh": [17777, 27017, 18721, 18701], "isolated": 19443, "tls_base": 18443,
                "smtp_base": 12525}
    return {"testall": base, "dns": base + 1, "sntp": base + 2, "control": base + 3,
            "mesh": [base + 4, base + 5, base + 6, base + 7], "isolated": base + 8, "tls_base": base + 20,
            "smtp_base": base + 40}


class Modes:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {"testall": "ok", "sntp": "ok", "dns": "up"}

    def get(self, key):
        with self.lock:
            return self.values.get(key)

    def set(self, key, value):
        with self.lock:
            self.values[key] = value


# --- /testall ------------------------------------------------------------------
FAIL_BODY = ("manage seems down. Reason: connect ENOENT /var/lib/auth0/sockets/auth0-manage.socket\n"
             "users seems down. Reason: connect ECONNREFUSED 127.0.0.1:7777\n")


def make_http_handler(modes, stop):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Express"
        sys_version = ""

        def log_message(self, *args):
            pass

        def send_plain(self, status, body, content_type="text/plain", extra=()):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Powered-By", "Express")
            self.send_header("X-Frame-Options", "DENY")
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            mode = modes.get("testall")
            if self.path.startswith("/health/status/"):
                import base64
                want = "Basic " + base64.b64encode(f"api_keys_health:{HEALTH_KEY}".encode()).decode()
                if self.headers.get("Authorization") != want:
                    return self.send_plain(401, "")
                self.send_response(520 if mode == "fail" else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/":
                # The appliance's plain-HTTP port: everything to https, same name.
                host = (self.headers.get("Host") or "").split(":")[0]
                return self.send_plain(301, "", extra=[("Location", f"https://{host}/")])
            if self.path != "/testall":
                return self.send_plain(404, "not found")
            if mode == "stall":
                stop.wait(120)  # hold the connection; the client gives up first
                return
            if mode.startswith("slow:"):
                stop.wait(int(mode.split(":")[1]) / 1000)
            if mode == "fail":
                return self.send_plain(500, FAIL_BODY, "text/html; charset=utf-8")
            if mode == "html":
                # 200 "OK" in another media type than the appliance's text/plain: a
                # page in front of /testall, not the health endpoint itself.
                return self.send_plain(200, "OK", "text/html; charset=utf-8")
            if mode == "redirect":
                return self.send_plain(301, "", extra=[("Location", "https://manage.lab.test/testall")])
            if mode == "skew":
                # Date header two minutes ahead of the host's clock.
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")
                return
            if mode == "chunked":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"1;ext=1\r\nO\r\n1\r\nK\r\n0\r\n\r\n")
                return
            return self.send_plain(200, "OK")

        def date_time_string(self, timestamp=None):
            t = time.time() + (120 if modes.get("testall") == "skew" else 0)
            return email.utils.formatdate(t, usegmt=True)

    return Handler


class ThreadingHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog is 5: the box starts a cycle's checks in bursts (all at
    # once in --once and after run-all), and a burst past it loses handshakes to the
    # full accept queue (a second's SYN-ACK retransmission, so a slow result). nginx
    # in front of /testall listens with 511.
    request_queue_size = 128


class SwitchableHttp:
    """The testall server; mode "down" closes its listening socket (refused)."""

    def __init__(self, port, modes, stop):
        self.port, self.modes, self.stop = port, modes, stop
        self.server = None
        self.up()

    def up(self):
        if self.server:
            return
        self.server = ThreadingHTTPServer((ADDRESS, self.port), make_http_handler(self.modes, self.stop))
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# --- SNTP ------------------------------------------------------------------------
def ntp_stamp(t):
    seconds = int(t) + NTP_EPOCH_OFFSET
    return struct.pack("!II", seconds & 0xFFFFFFFF, int((t - int(t)) * (1 << 32)) & 0xFFFFFFFF)


def sntp_server(port, modes, stop):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ADDRESS, port))
    sock.settimeout(0.1)
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(512)
        except socket.timeout:
            continue
        if len(data) < 48:
            continue
        mode = modes.get("sntp")
        if mode == "silent":
            continue
        offset = int(mode.split(":")[1]) / 1000 if mode.startswith("offset:") else 0.0
        li, stratum, refid = 0, 2, b"LOCL"
        if mode == "kod":
            stratum, refid = 0, b"RATE"
        if mode == "unsync":
            li, stratum = 3, 16
        now = time.time() + offset
        reply = struct.pack("!BBbb", (li << 6) | (4 << 3) | 4, stratum, 6, -20)
        reply += struct.pack("!II", 0, 0) + refid + ntp_stamp(now)
        reply += data[40:48] + ntp_stamp(now) + ntp_stamp(time.time() + offset)
        sock.sendto(reply, peer)
    sock.close()


# --- TCP listeners ---------------------------------------------------------------
class SwitchablePort:
    def __init__(self, port, stop):
        self.port, self.stop = port, stop
        self.sock = None
        self.thread = None
        self.lock = threading.Lock()
        self.open()

    def open(self):
        with self.lock:
            if self.sock:
                return
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((ADDRESS, self.port))
            s.listen(128)
            s.settimeout(0.1)
            self.sock = s
            self.thread = threading.Thread(target=self._accept, args=(s,), daemon=True)
            self.thread.start()

    def _accept(self, s):
        while not self.stop.is_set():
            try:
                conn, _ = s.accept()
                conn.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        """Returns when the port already refuses connections. close() alone is not
        enough: the accept thread's poll() holds the socket, which keeps listening (and
        completing handshakes) until that poll returns, and a box started right after
        saw the port open. shutdown() stops the listening at once and wakes the poll."""
        with self.lock:
            if not self.sock:
                return
            s, thread = self.sock, self.thread
            self.sock = self.thread = None
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            thread.join(2)
            s.close()


# --- DNS (dnsmasq) -----------------------------------------------------------------
def names_for(lb_address):
    """NAMES with the load balancer's slirp address replaced by lb_address."""
    return {name: [lb_address if a == SLIRP_HOST else a for a in addresses] for name, addresses in NAMES.items()}


class Dnsmasq:
    def __init__(self, port, directory, names=NAMES):
        self.port, self.dir, self.proc = port, directory, None
        self.conf = os.path.join(directory, "dnsmasq.conf")
        lines = [f"port={port}", f"listen-address={ADDRESS}", "bind-interfaces", "no-resolv", "no-hosts",
                 "no-poll", "local=/lab.test/", "cname=alias.lab.test,manage.lab.test", "log-queries",
                 f"log-facility={os.path.join(directory, 'dnsmasq.log')}"]
        for name, addresses in names.items():
            lines += [f"host-record={name},{a}" for a in addresses]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def up(self):
        if self.proc and self.proc.poll() is None:
            return
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        args = [binary, "--keep-in-foreground", f"--conf-file={self.conf}", "--pid-file="]
        if os.geteuid() == 0:
            args.append("--user=root")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def down(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc = None


# --- the daemon ----------------------------------------------------------------------
def serve(directory, base, max_seconds, lb_address=SLIRP_HOST):
    ports = default_ports(base)
    names = names_for(lb_address)
    stop = threading.Event()
    modes = Modes()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    http_server = SwitchableHttp(ports["testall"], modes, stop)
    threading.Thread(target=sntp_server, args=(ports["sntp"], modes, stop), daemon=True).start()
    mesh = {p: SwitchablePort(p, stop) for p in ports["mesh"]}
    dns = Dnsmasq(ports["dns"], directory, names)
    dns.up()
    # TLS scenarios run under Debian's python3, whose python3-cryptography makes the certificates.
    tls = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls_lab.py"),
                            "--dir", directory, "--base-port", str(ports["tls_base"]), "--health-key", HEALTH_KEY,
                            "--max-seconds", str(max_seconds)], stdin=subprocess.DEVNULL)
    tls_info = os.path.join(directory, "tls.json")
    deadline = time.monotonic() + 60
    while not os.path.exists(tls_info) and time.monotonic() < deadline and tls.poll() is None:
        time.sleep(0.05)
    if not os.path.exists(tls_info):
        # Fail loudly: a lab without its TLS scenarios would fail the tests obscurely.
        print("lab: the TLS scenarios did not start (tls_lab.py)", file=sys.stderr)
        dns.down()
        http_server.down()
        tls.kill()
        sys.exit(1)

    class Control(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            service, mode = body.get("service", ""), body.get("mode", "")
            ok = True
            if service == "testall":
                if mode == "down":
                    http_server.down()
                else:
                    http_server.up()
                modes.set("testall", mode)
            elif service == "sntp":
                modes.set("sntp", mode)
            elif service == "dns":
                dns.up() if mode == "up" else dns.down()
                modes.set("dns", mode)
            elif service.startswith("tcp:") and int(service[4:]) in mesh:
                port = mesh[int(service[4:])]
                port.open() if mode == "open" else port.close()
                modes.set(service, mode)
            else:
                ok = False
            self.send_response(200 if ok else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            data = json.dumps(modes.values).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    control = ThreadingHTTPServer((ADDRESS, ports["control"]), Control)
    threading.Thread(target=control.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    # SMTP relays (aiosmtpd, Debian's python3), with certificates from the TLS scenarios' CA.
    smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_lab.py"),
                             "--dir", directory, "--base-port", str(ports["smtp_base"]),
                             "--cert", os.path.join(directory, "pki", "relay.chain.pem"),
                             "--key", os.path.join(directory, "pki", "relay.key.pem"),
                             "--max-seconds", str(max_seconds)], stdin=subprocess.DEVNULL)
    smtp_info = os.path.join(directory, "smtp.json")
    deadline = time.monotonic() + 30
    while not os.path.exists(smtp_info) and time.monotonic() < deadline and smtp.poll() is None:
        time.sleep(0.05)
    info = dict(ports, pid=os.getpid(), health_api_key=HEALTH_KEY, names=names)
    with open(tls_info) as f:
        info["tls"] = json.load(f)
    if os.path.exists(smtp_info):
        with open(smtp_info) as f:
            info["smtp"] = json.load(f)
    else:
        print("lab: the SMTP relays did not start (smtp_lab.py)", file=sys.stderr)
    with open(os.path.join(directory, "lab.json.tmp"), "w") as f:
        json.dump(info, f, indent=1)
    os.replace(os.path.join(directory, "lab.json.tmp"), os.path.join(directory, "lab.json"))
    stop.wait(max_seconds)
    stop.set()
    control.shutdown()
    http_server.down()
    dns.down()
    for child in (tls, smtp):
        child.terminate()
        child.wait(5)
    for p in mesh.values():
        p.close()


class Lab:
    """For tests: `with Lab(tmpdir) as lab: lab.set("testall", "fail")`."""

    def __init__(self, directory, base_port=None, max_seconds=1800, lb_address=SLIRP_HOST):
        self.dir, self.base, self.max_seconds = directory, base_port, max_seconds
        self.lb_address = lb_address
        # Read when the lab is made: the bench sets it for its TAP namespace after import.
        self.address = lab_address.listen_address()
        self.ports = None
        self.proc = None  # the daemon, when this object started it

    def up(self):
        cmd = [sys.executable, os.path.abspath(__file__), "serve", "--dir", self.dir,
               "--max-seconds", str(self.max_seconds)]
        if self.base:
            cmd += ["--base-port", str(self.base)]
        if self.lb_address != SLIRP_HOST:
            cmd += ["--lb-address", self.lb_address]
        info = os.path.join(self.dir, "lab.json")
        if os.path.exists(info):
            os.unlink(info)
        with open(os.path.join(self.dir, "lab.err"), "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)
        deadline = time.monotonic() + 60  # the TLS scenarios' keys take a few seconds to make
        while time.monotonic() < deadline:
            if os.path.exists(info):
                with open(info) as f:
                    self.ports = json.load(f)
                self._wait_dns()
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("lab failed: " + open(os.path.join(self.dir, "lab.err")).read())
            time.sleep(0.05)
        raise RuntimeError("lab did not come up in 60 s")

    def _wait_dns(self):
        # dnsmasq takes a moment to bind; a query for a known name tells when it answers.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if dns_query(self.ports["dns"], "manage.lab.test", address=self.address) is not None:
                return
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not answer")

    def set(self, service, mode):
        req = urllib.request.Request(f"http://{self.address}:{self.ports['control']}/",
                                     data=json.dumps({"service": service, "mode": mode}).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status != 200:
                raise RuntimeError(f"lab refused {service}={mode}")

    def down(self):
        if self.ports:
            if self.proc is not None:
                # Our own child: stop_pid's kill(pid, 0) would see its zombie until it is
                # reaped, wait its full 5 s and then SIGKILL; wait() reaps it at once.
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
                self.proc = None
            else:
                stop_pid(self.ports["pid"])
            self.ports = None

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()


def a_query(name):
    """A minimal DNS query for `name`'s A records (recursion desired), as bytes."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)


def dns_query(port, name, timeout=0.5, address=LOOPBACK):
    """Minimal A query; returns the rcode or None on no answer (for readiness checks)."""
    packet = a_query(name)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(packet, (address, port))
            data = s.recv(512)
        except OSError:
            return None
    return data[3] & 0x0F if len(data) >= 12 else None


def stop_pid(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["up", "down", "set", "status", "serve"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--base-port", type=int)
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--lb-address", default=SLIRP_HOST,
                    help="the address the appliance's names answer with (the box's view of this host)")
    a = ap.parse_intermixed_args()
    os.makedirs(a.dir, exist_ok=True)
    if a.command == "serve":
        serve(a.dir, a.base_port, a.max_seconds, a.lb_address)
    elif a.command == "up":
        Lab(a.dir, a.base_port, a.max_seconds).up()
        print(open(os.path.join(a.dir, "lab.json")).read())
    elif a.command == "down":
        info = os.path.join(a.dir, "lab.json")
        if os.path.exists(info):
            stop_pid(json.load(open(info))["pid"])
    elif a.command in ("set", "status"):
        lab = Lab(a.dir)
        lab.ports = json.load(open(os.path.join(a.dir, "lab.json")))
        if a.command == "set":
            lab.set(*a.args)
        else:
            print(json.dumps(lab.ports, indent=1))
            print(urllib.request.urlopen(f"http://{ADDRESS}:{lab.ports['control']}/", timeout=5).read().decode())


if __name__ == "__main__":
    main()
