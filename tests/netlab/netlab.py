#!/usr/bin/python3
"""The network lab: an Auth0 appliance's network built from Linux network namespaces,
with real servers on their real ports, for the box (probebox-sim --net tap:IFNAME or
the Cortex-M image under QEMU) to watch. Needs root. Runs under Debian's python3
(python3-cryptography makes the certificates).

  netlab.py up --dir DIR [--ttl S]     build it, start every daemon, write DIR/netlab.json
  netlab.py set --dir DIR FAULT VALUE  inject or clear a fault (returns once it took effect)
  netlab.py status --dir DIR           what runs where, the faults set, the namespaces' pids
  netlab.py down --dir DIR             stop everything and remove every namespace

Safety: only the documentation ranges 192.0.2.0/24 (prod), 198.51.100.0/24 (dev/test)
and 203.0.113.0/24 ("internet"); no default route anywhere; nothing is created in the
caller's network namespace (every link is made straight inside the lab's namespaces);
every name carries the prefix "pbnl-<id>"/"pb<id>" (<id> random, checked free);
every daemon runs in the foreground under `timeout` with its config under DIR; a
detached reaper takes the lab down after the TTL even if nobody calls `down`.

Segments and hosts (one namespace each; the switch namespace holds the three bridges
and the box's TAP, with a second TAP for a second box beside it, and is where the box
runs):
  prod  192.0.2.0/24     .1 router  .2 DHCP (dnsmasq)  .5 test client  .10 lb (haproxy,
                         443/80 TCP mode, health checks GET /testall)  .11 .12 .13 nodes
                         (nginx: 443 /testall /health/status/<x> with Basic auth, 80 ->
                         https, 7777 27017 8721 8701)  .25 smtp (postfix 587 STARTTLS +
                         dovecot SASL PLAIN)  .53 dns (unbound)  .123 ntp (chronyd)
                         the box: DHCP from .100-.149, or static (e.g. .50)
  dev   198.51.100.0/24  .1 router (nftables decides what crosses)  .20 dev node (443, 7777)
  inet  203.0.113.0/24   .1 router  .10-.13 cdn.auth0.com, apt-mirror/docker/app-gateway
                         .it.auth0.com (TLS from the lab's internet root, or a proxy CA)

Faults (`set FAULT VALUE`; each VALUE listed first is the healthy one):
  node:N            up | down             N in 1..3: the node's link down (a dead host)
  testall:N         ok | fail             /testall 500 "<svc> seems down", /health 520
  cert:N            same | other | nointermediate
  mesh:N:PORT       open | drop | reject  nftables on the node, PORT a mesh port
  dev               drop | rst | icmp | open   the router between prod and dev
  smtp              ok | noplain | nostarttls
  dns               ok | wrong            manage.example.com answers 192.0.2.99
  ntp               ok | offset:SECONDS   chronyd serving a clock SECONDS off (faketime)
  lb                check | nocheck       haproxy with or without health checks
  egress            direct | proxy        the internet names answer with another CA
"""
import argparse
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN_PYTHON = "/usr/bin/python3"
NAMES = ["manage.example.com", "rta.example.com", "webtask.example.com", "app1.example.com"]
EGRESS = {"cdn.auth0.com": "203.0.113.10", "apt-mirror.it.auth0.com": "203.0.113.11",
          "docker.it.auth0.com": "203.0.113.12", "app-gateway.it.auth0.com": "203.0.113.13"}
MESH = [7777, 27017, 8721, 8701]
LB = "192.0.2.10"
NODES = {1: "192.0.2.11", 2: "192.0.2.12", 3: "192.0.2.13"}
DHCP_SERVER, CLIENT, ROUTER = "192.0.2.2", "192.0.2.5", "192.0.2.1"
SMTP, DNS, NTP = "192.0.2.25", "192.0.2.53", "192.0.2.123"
DEV_NODE, DEV_ROUTER = "198.51.100.20", "198.51.100.1"
INET_ROUTER = "203.0.113.1"
STATIC_BOX = "192.0.2.50"
WRONG_ADDRESS = "192.0.2.99"
SMTP_USER, SMTP_PASSWORD = "probe", "netlab-smtp-secret"
HEALTH_USER, HEALTH_KEY = "api_keys_health", "netlab-health-key"
FAIL_BODY = ("users seems down. Reason: connect ECONNREFUSED 127.0.0.1:7777\n"
             "manage seems down. Reason: connect ENOENT /var/lib/auth0/sockets/auth0-manage.socket\n")
LAB_NETS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
HEALTHY = {"dev": "drop", "smtp": "ok", "dns": "ok", "ntp": "ok", "lb": "check", "egress": "direct",
           **{f"node:{n}": "up" for n in NODES}, **{f"testall:{n}": "ok" for n in NODES},
           **{f"cert:{n}": "same" for n in NODES}}
TOOLS = ["ip", "nft", "haproxy", "nginx", "unbound", "chronyd", "dovecot", "dnsmasq", "faketime", "timeout",
         "openssl", "/usr/lib/postfix/sbin/master"]


def nginx_workers(master):
    """The pids of an nginx master's children (its workers), as a set."""
    try:
        with open(f"/proc/{master}/task/{master}/children") as fh:
            return {int(p) for p in fh.read().split()}
    except OSError:
        return set()


class LabError(RuntimeError):
    pass


def log(msg):
    print(f"netlab: {msg}", file=sys.stderr, flush=True)


def run(args, check=True, timeout=20, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise LabError(f"{' '.join(args)}: rc {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def missing_tools():
    return [t for t in TOOLS if shutil.which(t) is None and not os.access(t, os.X_OK)]


# --- names ------------------------------------------------------------------------
HOSTS = ["sw", "rtr", "lb", "n1", "n2", "n3", "svc", "cli", "dev1", "inet"]


class Names:
    def __init__(self, lab_id):
        self.id = lab_id

    def ns(self, host):
        return f"pbnl-{self.id}-{host}"

    def ifname(self, suffix):
        name = f"pb{self.id}{suffix}"
        assert len(name) <= 15, name
        return name

    @property
    def tap(self):
        return self.ifname("tap")

    @property
    def second_tap(self):
        return self.ifname("tap2")


def existing_namespaces():
    r = run(["ip", "netns", "list"], check=False)
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


# --- PKI --------------------------------------------------------------------------
def build_pki(pki):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    day = datetime.timedelta(days=1)
    os.makedirs(pki, exist_ok=True)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cert(cn, k, issuer=None, issuer_key=None, ca=False, sans=None, days=365):
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "probebox netlab"),
                             x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        b = (x509.CertificateBuilder().subject_name(subject)
             .issuer_name(issuer.subject if issuer else subject)
             .public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - 10 * day).not_valid_after(now + days * day)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                              key_encipherment=False, data_encipherment=False,
                                              key_agreement=False, key_cert_sign=True, crl_sign=True,
                                              encipher_only=False, decipher_only=False), critical=True)
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
        return b.sign(issuer_key or k, hashes.SHA256())

    def pem(obj):
        if isinstance(obj, x509.Certificate):
            return obj.public_bytes(serialization.Encoding.PEM)
        return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())

    def write(name, *objs):
        path = os.path.join(pki, name)
        with open(path, "wb") as f:
            for o in objs:
                f.write(pem(o))
        os.chmod(path, 0o644)
        return path

    fingerprints = {}

    def leaf(prefix, cn, sans, issuer, issuer_key, chain=()):
        k = key()
        c = cert(cn, k, issuer, issuer_key, sans=sans)
        write(f"{prefix}.key", k)
        write(f"{prefix}.chain.pem", c, *chain)
        write(f"{prefix}.leaf.pem", c)
        fingerprints[prefix] = c.fingerprint(hashes.SHA256()).hex()

    root_k, inter_k = key(), key()
    root = cert("probebox netlab root", root_k, ca=True, days=3650)
    inter = cert("probebox netlab intermediate", inter_k, root, root_k, ca=True, days=1800)
    write("root.pem", root)
    leaf("node", NAMES[0], NAMES, inter, inter_k, (inter,))
    leaf("node-other", NAMES[0], NAMES, inter, inter_k, (inter,))
    leaf("smtp", "smtp.example.com", ["smtp.example.com"], inter, inter_k, (inter,))
    leaf("dev", "manage.dev.example.com", ["manage.dev.example.com"], inter, inter_k, (inter,))
    inet_k = key()
    inet_root = cert("probebox netlab internet root", inet_k, ca=True, days=3650)
    write("inet-root.pem", inet_root)
    leaf("inet", "cdn.auth0.com", list(EGRESS), inet_root, inet_k)
    proxy_k = key()
    proxy_ca = cert("Intercepting Proxy CA", proxy_k, ca=True, days=3650)
    write("proxy-root.pem", proxy_ca)
    leaf("proxy", "cdn.auth0.com", list(EGRESS), proxy_ca, proxy_k)
    return fingerprints


# --- daemon configs -----------------------------------------------------------------
def nginx_common(d, name):
    tmp = os.path.join(d, "tmp", name)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(tmp, sub), exist_ok=True)
    return (f"daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n"
            f"pid {d}/run/nginx-{name}.pid;\nerror_log {d}/log/nginx-{name}.log warn;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n  access_log off;\n  default_type text/plain;\n  server_tokens off;\n"
            f"  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
            f"  fastcgi_temp_path {tmp}/fastcgi;\n  uwsgi_temp_path {tmp}/uwsgi;\n  scgi_temp_path {tmp}/scgi;\n")


def node_nginx_conf(d, n, cert_mode):
    ip = NODES[n]
    pki = os.path.join(d, "pki")
    prefix = "node-other" if cert_mode == "other" else "node"
    chain = f"{pki}/{prefix}.leaf.pem" if cert_mode == "nointermediate" else f"{pki}/{prefix}.chain.pem"
    fail = f"{d}/state/n{n}.fail"
    body = FAIL_BODY.replace("\n", "\\n")
    mesh = "".join(f"    listen {ip}:{p};\n" for p in MESH)
    return nginx_common(d, f"n{n}") + f"""  server {{
    listen {ip}:443 ssl;
    ssl_certificate {chain};
    ssl_certificate_key {pki}/{prefix}.key;
    root {d}/www;
    # The node names itself, as the appliance does (appliance-requirements A2): how
    # the box tells the nodes behind the load balancer apart.
    add_header X-Auth0-Host a0-{n} always;
    location = /testall {{
      if (-f {fail}) {{ return 500 "{body}"; }}
      return 200 "OK";
    }}
    location ~ ^/health/status/[a-z]+$ {{
      auth_basic "appliance health";
      auth_basic_user_file {d}/conf/htpasswd;
      try_files /nonexistent @health;
    }}
    location @health {{
      if (-f {fail}) {{ return 520; }}
      return 204;
    }}
    location / {{ return 404; }}
  }}
  server {{
    listen {ip}:80;
    return 301 https://$host$request_uri;
  }}
  server {{
{mesh}    return 200 "mesh\\n";
  }}
}}
"""


def dev_nginx_conf(d):
    pki = os.path.join(d, "pki")
    return nginx_common(d, "dev1") + f"""  server {{
    listen {DEV_NODE}:443 ssl;
    listen {DEV_NODE}:7777;
    ssl_certificate {pki}/dev.chain.pem;
    ssl_certificate_key {pki}/dev.key;
    return 200 "dev\\n";
  }}
}}
"""


def inet_nginx_conf(d, mode):
    pki = os.path.join(d, "pki")
    prefix = "proxy" if mode == "proxy" else "inet"
    listens = "".join(f"    listen {ip}:443 ssl;\n" for ip in EGRESS.values())
    return nginx_common(d, "inet") + f"""  server {{
{listens}    ssl_certificate {pki}/{prefix}.chain.pem;
    ssl_certificate_key {pki}/{prefix}.key;
    return 200 "egress\\n";
  }}
}}
"""


def haproxy_conf(d, checks):
    check_opts = ("  option httpchk GET /testall\n  http-check expect status 200\n"
                  "  default-server check check-ssl verify none inter 1s fall 2 rise 2\n")
    check80 = ("  option httpchk GET /testall\n  http-check expect status 200\n"
               "  default-server check port 443 check-ssl verify none inter 1s fall 2 rise 2\n")
    servers = lambda port: "".join(f"  server n{n} {ip}:{port}\n" for n, ip in NODES.items())
    return f"""global
  stats socket {d}/run/haproxy.sock mode 600 level admin
  maxconn 512
defaults
  mode tcp
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check 1s
  retries 1
  option redispatch
frontend fe_https
  bind {LB}:443
  default_backend be_https
backend be_https
  balance roundrobin
{check_opts if checks else ''}{servers(443)}
frontend fe_http
  bind {LB}:80
  default_backend be_http
backend be_http
  balance roundrobin
{check80 if checks else ''}{servers(80)}
"""


def unbound_conf(d, dns_mode):
    manage = WRONG_ADDRESS if dns_mode == "wrong" else LB
    data = [f'  local-data: "{NAMES[0]}. 60 IN A {manage}"']
    data += [f'  local-data: "{n}. 60 IN A {LB}"' for n in NAMES[1:]]
    data += [f'  local-data: "{n}. 60 IN A {ip}"' for n, ip in EGRESS.items()]
    data += [f'  local-data: "smtp.example.com. 60 IN A {SMTP}"',
             f'  local-data: "ntp.example.com. 60 IN A {NTP}"',
             f'  local-data: "node{1}.example.com. 60 IN A {NODES[1]}"',
             f'  local-data: "manage.dev.example.com. 60 IN A {DEV_NODE}"']
    return f"""server:
  interface: {DNS}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "{d}/run"
  pidfile: "{d}/run/unbound.pid"
  use-syslog: no
  logfile: "{d}/log/unbound.log"
  module-config: "iterator"
  access-control: 0.0.0.0/0 allow
  local-zone: "." static
""" + "\n".join(data) + "\nremote-control:\n  control-enable: no\n"


def chrony_conf(d):
    return (f"local stratum 8\nallow all\nbindaddress {NTP}\ncmdport 0\n"
            f"bindcmdaddress {d}/run/chrony/chronyd.sock\npidfile {d}/run/chrony/chronyd.pid\n"
            f"driftfile {d}/run/chrony/drift\n")


def dovecot_conf(d):
    return f"""protocols =
base_dir = {d}/run/dovecot
state_dir = {d}/run/dovecot-state
log_path = {d}/log/dovecot.log
ssl = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/conf/dovecot.passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def postfix_main_cf(d):
    return f"""compatibility_level = 3.6
queue_directory = {d}/spool
data_directory = {d}/pfdata
mail_owner = postfix
setgid_group = postdrop
myhostname = smtp.example.com
mydomain = example.com
inet_interfaces = {SMTP}
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = discard:netlab
relay_transport = discard:netlab
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_sasl_type = dovecot
smtpd_sasl_path = {d}/run/dovecot/auth-postfix
smtpd_tls_cert_file = {d}/pki/smtp.chain.pem
smtpd_tls_key_file = {d}/pki/smtp.key
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
maillog_file = {d}/log/postfix.log
maillog_file_prefixes = {d}
biff = no
smtputf8_enable = no
"""


def postfix_master_cf(smtp_mode):
    opts = ["smtpd_sasl_auth_enable=yes"]
    if smtp_mode == "nostarttls":
        opts += ["smtpd_tls_security_level=none", "smtpd_tls_auth_only=no"]
    else:
        opts += ["smtpd_tls_security_level=may", "smtpd_tls_auth_only=yes"]
    if smtp_mode == "noplain":
        opts += ["smtpd_sasl_mechanism_filter=!plain,static:all"]
    sub = "submission inet n - n - - smtpd\n" + "".join(f"  -o {o}\n" for o in opts)
    return sub + """cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def make_postfix_dirs(d):
    """What `postfix check` would create (3.6 s), made directly: the queue tree with
    the owners and modes Debian's postfix-files gives it."""
    import grp
    import pwd
    pf = pwd.getpwnam("postfix").pw_uid
    postdrop = grp.getgrnam("postdrop").gr_gid
    spool = os.path.join(d, "spool")
    layout = {"active": (pf, 0, 0o700), "bounce": (pf, 0, 0o700), "corrupt": (pf, 0, 0o700),
              "defer": (pf, 0, 0o700), "deferred": (pf, 0, 0o700), "flush": (pf, 0, 0o700),
              "hold": (pf, 0, 0o700), "incoming": (pf, 0, 0o700), "private": (pf, 0, 0o700),
              "saved": (pf, 0, 0o700), "trace": (pf, 0, 0o700), "maildrop": (pf, postdrop, 0o730),
              "public": (pf, postdrop, 0o710), "pid": (0, 0, 0o755)}
    os.makedirs(spool, exist_ok=True)
    os.chmod(spool, 0o755)
    for sub, (uid, gid, mode) in layout.items():
        p = os.path.join(spool, sub)
        os.makedirs(p, exist_ok=True)
        os.chown(p, uid, gid)
        os.chmod(p, mode)
    data = os.path.join(d, "pfdata")
    os.makedirs(data, exist_ok=True)
    os.chown(data, pf, 0)
    os.chmod(data, 0o700)


def nft_router(names, mode):
    prod, dev = names.ifname("prod"), names.ifname("dev")
    verdict_tcp = {"drop": "drop", "rst": "reject with tcp reset", "icmp": "reject with icmp type admin-prohibited",
                   "open": "accept"}[mode]
    verdict_other = {"drop": "drop", "rst": "drop", "icmp": "reject with icmp type admin-prohibited",
                     "open": "accept"}[mode]
    back = "accept" if mode == "open" else "drop"
    # Only this table is touched (add, delete, define): never `flush ruleset`.
    return f"""add table ip pbnl
delete table ip pbnl
table ip pbnl {{
  chain fwd_prod {{
    type filter hook forward priority 0; policy accept;
    ct state established,related accept
    iifname "{prod}" oifname "{dev}" ip protocol tcp {verdict_tcp}
    iifname "{prod}" oifname "{dev}" {verdict_other}
    iifname "{dev}" oifname "{prod}" {back}
  }}
}}
"""


def nft_node(mesh):
    rules = []
    for port, mode in sorted(mesh.items()):
        if mode == "drop":
            rules.append(f"    tcp dport {port} drop")
        elif mode == "reject":
            rules.append(f"    tcp dport {port} reject with tcp reset")
    return ("add table ip pbnl\ndelete table ip pbnl\ntable ip pbnl {\n  chain input_mesh {\n"
            "    type filter hook input priority 0; policy accept;\n" + "\n".join(rules) + "\n  }\n}\n")


# --- the lab ----------------------------------------------------------------------
class Lab:
    def __init__(self, d):
        self.dir = os.path.abspath(d)
        self.state_path = os.path.join(self.dir, "netlab.json")
        self.state = None

    # state
    def load(self):
        with open(self.state_path) as f:
            self.state = json.load(f)
        self.names = Names(self.state["id"])
        return self

    def save(self):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(tmp, self.state_path)

    # processes
    def ns(self, host):
        return self.names.ns(host)

    def ip(self, host, *args):
        return run(["ip", "-n", self.ns(host), *args])

    def nsexec(self, host, *args, **kw):
        return run(["ip", "netns", "exec", self.ns(host), *args], **kw)

    def spawn(self, key, host, argv, env=None):
        """A daemon in the foreground in `host`'s namespace under `timeout` (the TTL),
        with the lab's resolv.conf bound over /etc/resolv.conf in its private mount
        namespace (`ip netns exec` gives each command one)."""
        ttl = max(5, int(self.state["deadline"] - time.time()))
        resolv = os.path.join(self.dir, "conf", "resolv.conf")
        cmd = ["ip", "netns", "exec", self.ns(host), "sh", "-c",
               'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv,
               "timeout", "-k", "3", str(ttl), *argv]
        logf = open(os.path.join(self.dir, "log", f"{key}.out"), "ab")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
                             env={**os.environ, **(env or {})})
        logf.close()
        self.state["pids"][key] = p.pid
        return p

    def stop(self, key, wait_s=5):
        pid = self.state["pids"].pop(key, None)
        if pid is None:
            return
        kill_and_wait([pid], wait_s)

    # network
    def build_network(self):
        n = self.names
        for host in HOSTS:
            run(["ip", "netns", "add", self.ns(host)])
            self.state["namespaces"].append(self.ns(host))
            self.save()
            # IPv6 off (no link-local chatter on the segments); lo up.
            self.nsexec(host, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; "
                                          "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6")
            self.ip(host, "link", "set", "lo", "up")
        sw = self.ns("sw")
        bridges = {"prod": n.ifname("brp"), "dev": n.ifname("brd"), "inet": n.ifname("bri")}
        for br in bridges.values():
            self.ip("sw", "link", "add", br, "type", "bridge")
            self.ip("sw", "link", "set", br, "up")
        # The box's TAP, on the prod bridge (persistent until the namespace goes), and a
        # second one for a second box on the same segment (the bench's idle box, which
        # runs beside the measured one).
        for tap in (n.tap, n.second_tap):
            self.ip("sw", "tuntap", "add", "dev", tap, "mode", "tap")
            self.ip("sw", "link", "set", tap, "master", bridges["prod"], "up")

        def attach(host, segment, ifname, cidrs, port_suffix):
            port = n.ifname(port_suffix)
            run(["ip", "link", "add", ifname, "netns", self.ns(host), "type", "veth", "peer", "name", port,
                 "netns", sw])
            self.ip("sw", "link", "set", port, "master", bridges[segment], "up")
            for c in cidrs:
                self.ip(host, "addr", "add", c, "dev", ifname)
            self.ip(host, "link", "set", ifname, "up")

        e0 = n.ifname("e0")
        attach("rtr", "prod", n.ifname("prod"), [f"{ROUTER}/24"], "-rp")
        attach("rtr", "dev", n.ifname("dev"), [f"{DEV_ROUTER}/24"], "-rd")
        attach("rtr", "inet", n.ifname("inet"), [f"{INET_ROUTER}/24"], "-ri")
        attach("lb", "prod", e0, [f"{LB}/24"], "-lb")
        for k, ip in NODES.items():
            attach(f"n{k}", "prod", e0, [f"{ip}/24"], f"-n{k}")
        attach("svc", "prod", e0, [f"{a}/24" for a in (DHCP_SERVER, SMTP, DNS, NTP)], "-svc")
        attach("cli", "prod", e0, [f"{CLIENT}/24"], "-cli")
        attach("dev1", "dev", e0, [f"{DEV_NODE}/24"], "-dev")
        attach("inet", "inet", e0, [f"{ip}/24" for ip in EGRESS.values()], "-inet")
        self.nsexec("rtr", "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
        # Lab routes only, through the router; no default route anywhere.
        for host in ("lb", "n1", "n2", "n3", "svc", "cli"):
            self.routes(host, ROUTER)
        self.routes("dev1", DEV_ROUTER)
        self.routes("inet", INET_ROUTER)
        self.apply_nft("rtr", nft_router(n, "drop"))

    def routes(self, host, via):
        for net in LAB_NETS:
            r = run(["ip", "-n", self.ns(host), "route", "show", net], check=False)
            if r.stdout.strip():
                continue  # the host's own segment
            self.ip(host, "route", "replace", net, "via", via)

    def apply_nft(self, host, text):
        path = os.path.join(self.dir, "conf", f"nft-{host}.nft")
        with open(path, "w") as f:
            f.write(text)
        # Inside the namespace only: nft in the caller's namespace would touch the host.
        self.nsexec(host, "nft", "-f", path)

    # daemons
    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.dir, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def start_node(self, k):
        conf = self.write(f"conf/nginx-n{k}.conf", node_nginx_conf(self.dir, k, self.state["faults"][f"cert:{k}"]))
        self.spawn(f"nginx-n{k}", f"n{k}", ["nginx", "-e", f"{self.dir}/log/nginx-n{k}.log", "-p", self.dir,
                                            "-c", conf])

    def start_inet(self):
        conf = self.write("conf/nginx-inet.conf", inet_nginx_conf(self.dir, self.state["faults"]["egress"]))
        self.spawn("nginx-inet", "inet", ["nginx", "-e", f"{self.dir}/log/nginx-inet.log", "-p", self.dir,
                                          "-c", conf])

    def start_haproxy(self):
        conf = self.write("conf/haproxy.cfg", haproxy_conf(self.dir, self.state["faults"]["lb"] == "check"))
        self.spawn("haproxy", "lb", ["haproxy", "-f", conf, "-db"])

    def start_unbound(self):
        conf = self.write("conf/unbound.conf", unbound_conf(self.dir, self.state["faults"]["dns"]))
        self.spawn("unbound", "svc", ["unbound", "-d", "-c", conf])

    def start_chrony(self):
        conf = self.write("conf/chrony.conf", chrony_conf(self.dir))
        argv = ["chronyd", "-f", conf, "-d", "-x", "-u", "root"]
        mode = self.state["faults"]["ntp"]
        if mode.startswith("offset:"):
            # chronyd serves its system clock (-x: it never sets the host's); faketime
            # shifts what it reads, and only for this process.
            argv = ["faketime", "-f", f"{int(mode.split(':')[1]):+d}s", *argv]
        self.spawn("chronyd", "svc", argv)

    def start_postfix(self):
        self.write("postfix/master.cf", postfix_master_cf(self.state["faults"]["smtp"]))
        self.spawn("postfix", "svc", ["/usr/lib/postfix/sbin/master", "-c", f"{self.dir}/postfix", "-d"],
                   env={"MAIL_CONFIG": f"{self.dir}/postfix"})

    def start_daemons(self):
        d = self.dir
        for k in NODES:
            self.start_node(k)
        self.spawn("nginx-dev1", "dev1", ["nginx", "-e", f"{d}/log/nginx-dev1.log", "-p", d,
                                          "-c", self.write("conf/nginx-dev1.conf", dev_nginx_conf(d))])
        self.start_inet()
        self.start_haproxy()
        self.start_unbound()
        self.start_chrony()
        self.spawn("dovecot", "svc", ["dovecot", "-F", "-c", self.write("conf/dovecot.conf", dovecot_conf(d))])
        self.start_postfix()
        self.spawn("dnsmasq", "svc", [
            "dnsmasq", "-k", "-C", "/dev/null", "--port=0", f"--interface={self.names.ifname('e0')}",
            "--bind-interfaces", "-u", "root", "-g", "root", "--dhcp-authoritative",
            "--dhcp-range=192.0.2.100,192.0.2.149,255.255.255.0,1h",
            f"--dhcp-option=option:router,{ROUTER}", f"--dhcp-option=option:dns-server,{DNS}",
            f"--dhcp-option=option:ntp-server,{NTP}", f"--dhcp-leasefile={d}/run/dnsmasq.leases",
            f"--pid-file={d}/run/dnsmasq.pid", f"--log-facility={d}/log/dnsmasq.log", "--log-dhcp"])

    def prepare_files(self):
        d = self.dir
        for sub in ("conf", "run", "run/chrony", "log", "state", "www", "postfix", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        # postfix's smtpd (user postfix) reaches dovecot's socket under DIR.
        for sub in ("", "run", "conf", "pki", "postfix"):
            p = os.path.join(d, sub)
            if os.path.isdir(p):
                os.chmod(p, 0o755)
        os.chmod(os.path.join(d, "run", "chrony"), 0o700)  # chronyd insists
        self.write("conf/resolv.conf", f"nameserver {DNS}\n")
        hashed = run(["openssl", "passwd", "-apr1", HEALTH_KEY]).stdout.strip()
        self.write("conf/htpasswd", f"{HEALTH_USER}:{hashed}\n")
        self.write("conf/dovecot.passwd", f"{SMTP_USER}:{{PLAIN}}{SMTP_PASSWORD}\n")
        self.write("postfix/main.cf", postfix_main_cf(d))
        make_postfix_dirs(d)

    def up(self, ttl):
        if os.geteuid() != 0:
            raise LabError("needs root (network namespaces)")
        missing = missing_tools()
        if missing:
            raise LabError("missing " + ", ".join(missing) + " (run scripts/setup)")
        os.makedirs(self.dir, exist_ok=True)
        if os.path.exists(self.state_path):
            raise LabError(f"{self.state_path} exists: a lab is up there (netlab.py down --dir {self.dir})")
        taken = existing_namespaces()
        while True:
            lab_id = secrets.token_hex(2)
            if not any(ns.startswith(f"pbnl-{lab_id}-") for ns in taken):
                break
        self.names = Names(lab_id)
        began = time.monotonic()
        self.state = {"id": lab_id, "dir": self.dir, "deadline": time.time() + ttl, "namespaces": [],
                      "pids": {}, "faults": dict(HEALTHY), "mesh": {}, "tap": self.names.tap,
                      "second_tap": self.names.second_tap,
                      "switch_namespace": self.ns("sw"), "client_namespace": self.ns("cli")}
        self.save()
        try:
            self.state["fingerprints"] = build_pki(os.path.join(self.dir, "pki"))
            self.prepare_files()
            self.build_network()
            self.save()
            self.start_daemons()
            self.save()
            self.start_reaper()
            self.wait_ready()
        except BaseException:
            self.save()
            self.down()
            raise
        self.state["up_seconds"] = round(time.monotonic() - began, 2)
        self.save()
        return self.state

    def start_reaper(self):
        p = subprocess.Popen([DEBIAN_PYTHON, os.path.abspath(__file__), "reap", "--dir", self.dir],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(self.dir, "log", "reaper.out"), "ab"), start_new_session=True)
        self.state["reaper"] = p.pid

    def probe(self, *what, timeout_s=10):
        """Runs readiness probes from the test client's namespace (192.0.2.5)."""
        r = self.nsexec("cli", DEBIAN_PYTHON, os.path.abspath(__file__), "probe", "--dir", self.dir,
                        "--timeout", str(timeout_s), *what, check=False, timeout=timeout_s + 15)
        if r.returncode != 0:
            raise LabError(f"not ready: {r.stdout.strip()} {r.stderr.strip()}")
        return r.stdout

    def wait_ready(self):
        targets = [f"tcp:{LB}:443", f"tcp:{LB}:80", f"tcp:{SMTP}:587", "dns", "ntp", "smtp-auth", "dovecot"]
        for ip in NODES.values():
            targets += [f"tcp:{ip}:{p}" for p in [443, 80, *MESH]]
        targets += [f"tcp:{ip}:443" for ip in EGRESS.values()]
        self.probe(*targets)
        self.wait_file(os.path.join(self.dir, "run", "dnsmasq.pid"))

    def wait_file(self, path, timeout_s=5):
        deadline = time.monotonic() + timeout_s
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise LabError(f"{path} did not appear")
            time.sleep(0.05)

    def down(self):
        """Stops every process in the lab's namespaces, then deletes them. Safe to call
        on a half-built lab and twice."""
        if self.state is None:
            if not os.path.exists(self.state_path):
                return
            self.load()
        me = os.getpid()
        reaper = self.state.get("reaper")
        if reaper and reaper != me:
            kill_and_wait([reaper], 2)
        kill_and_wait(list(self.state["pids"].values()), 3)
        namespaces = [ns for ns in self.state["namespaces"] if ns in existing_namespaces()]
        # Whatever is still inside (a simulator, QEMU, a daemon's child): by namespace,
        # so it is exactly the lab's processes.
        for sig, wait_s in ((signal.SIGTERM, 3), (signal.SIGKILL, 2)):
            pids = [p for ns in namespaces for p in ns_pids(ns) if p != me]
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and any(ns_pids(ns) for ns in namespaces):
                time.sleep(0.05)
        for ns in namespaces:
            run(["ip", "netns", "del", ns], check=False)
        self.state["pids"] = {}
        self.state["namespaces"] = []
        self.save()
        os.unlink(self.state_path)

    # faults
    def set(self, fault, value):
        f = self.state["faults"]
        parts = fault.split(":")
        if parts[0] == "node" and len(parts) == 2 and int(parts[1]) in NODES and value in ("up", "down"):
            k = int(parts[1])
            host = f"n{k}"
            self.ip(host, "link", "set", self.names.ifname("e0"), value)
            if value == "up":
                self.routes(host, ROUTER)
            f[fault] = value
            self.save()
            self.wait_lb_state(k, "UP" if value == "up" else "DOWN")
        elif parts[0] == "testall" and len(parts) == 2 and int(parts[1]) in NODES and value in ("ok", "fail"):
            k = int(parts[1])
            flag = os.path.join(self.dir, "state", f"n{k}.fail")
            if value == "fail":
                open(flag, "w").close()
            elif os.path.exists(flag):
                os.unlink(flag)
            f[fault] = value
            self.save()
            self.wait_lb_state(k, "DOWN" if value == "fail" else "UP")
        elif parts[0] == "cert" and len(parts) == 2 and int(parts[1]) in NODES and \
                value in ("same", "other", "nointermediate"):
            k = int(parts[1])
            f[fault] = value
            self.write(f"conf/nginx-n{k}.conf", node_nginx_conf(self.dir, k, value))
            self.reload_nginx(f"n{k}")
            prefix = "node-other" if value == "other" else "node"
            self.probe(f"cert:{NODES[k]}:{self.state['fingerprints'][prefix]}:{2 if value != 'nointermediate' else 1}")
        elif parts[0] == "mesh" and len(parts) == 3 and int(parts[1]) in NODES and int(parts[2]) in MESH and \
                value in ("open", "drop", "reject"):
            k, port = int(parts[1]), int(parts[2])
            mesh = self.state["mesh"].setdefault(str(k), {})
            mesh[str(port)] = value
            self.apply_nft(f"n{k}", nft_node({int(p): m for p, m in mesh.items()}))
            f[fault] = value
        elif fault == "dev" and value in ("drop", "rst", "icmp", "open"):
            self.apply_nft("rtr", nft_router(self.names, value))
            f[fault] = value
        elif fault == "smtp" and value in ("ok", "noplain", "nostarttls"):
            f[fault] = value
            self.write("postfix/master.cf", postfix_master_cf(value))
            master = self.postfix_master_pid()
            os.kill(master, signal.SIGHUP)  # re-reads master.cf; new smtpd processes
            self.probe(f"smtp:{value}")
        elif fault == "dns" and value in ("ok", "wrong"):
            f[fault] = value
            self.stop("unbound")
            self.start_unbound()
            self.probe(f"dns:{WRONG_ADDRESS if value == 'wrong' else LB}")
        elif fault == "ntp" and (value == "ok" or (value.startswith("offset:") and value[7:].lstrip("-").isdigit())):
            f[fault] = value
            self.stop("chronyd")
            self.start_chrony()
            self.probe(f"ntp:{0 if value == 'ok' else int(value[7:])}")
        elif fault == "lb" and value in ("check", "nocheck"):
            f[fault] = value
            self.stop("haproxy")
            self.start_haproxy()
            self.probe(f"tcp:{LB}:443", f"tcp:{LB}:80")
            if value == "check":
                for k in NODES:
                    healthy = f[f"node:{k}"] == "up" and f[f"testall:{k}"] == "ok"
                    self.wait_lb_state(k, "UP" if healthy else "DOWN")
        elif fault == "egress" and value in ("direct", "proxy"):
            f[fault] = value
            self.write("conf/nginx-inet.conf", inet_nginx_conf(self.dir, value))
            self.reload_nginx("inet")
            prefix = "proxy" if value == "proxy" else "inet"
            self.probe(*[f"cert:{ip}:{self.state['fingerprints'][prefix]}:1" for ip in EGRESS.values()])
        else:
            raise LabError(f"unknown fault or value: {fault} {value} (see netlab.py --help)")
        self.save()

    def reload_nginx(self, name, timeout_s=10):
        """SIGHUP, then waits (bounded) until every worker that read the old config has
        exited: until then an old worker may still accept, and a check made at once
        could be served the old config (a missing intermediate not yet missing)."""
        with open(os.path.join(self.dir, "run", f"nginx-{name}.pid")) as fh:
            master = int(fh.read().strip())
        old = nginx_workers(master)
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            now = nginx_workers(master)
            if now and not now & old:
                return
            time.sleep(0.05)
        raise RuntimeError(f"netlab: nginx {name} did not reload within {timeout_s} s")

    def postfix_master_pid(self):
        with open(os.path.join(self.dir, "spool", "pid", "master.pid")) as fh:
            return int(fh.read().strip())

    def lb_states(self):
        """haproxy's view of the nodes: {1: {"be_https": "UP", "be_http": "UP"}, ...}."""
        sock = os.path.join(self.dir, "run", "haproxy.sock")
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        try:
            s.connect(sock)
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        finally:
            s.close()
        states = {}
        for line in data.decode().splitlines():
            cols = line.split(",")
            if len(cols) > 17 and cols[0] in ("be_https", "be_http") and cols[1].startswith("n"):
                states.setdefault(int(cols[1][1:]), {})[cols[0]] = cols[17].split()[0]
        return states

    def wait_lb_state(self, k, want, timeout_s=10):
        if self.state["faults"]["lb"] != "check":
            return
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.lb_states().get(k)
            except OSError:
                last = None
            # Both backends (443, and 80 which checks through 443) must agree.
            if last and len(last) == 2 and all(v == want for v in last.values()):
                return
            time.sleep(0.1)
        raise LabError(f"haproxy did not see node {k} {want} within {timeout_s} s (last: {last})")

    def status(self):
        out = dict(self.state)
        out["namespace_pids"] = {ns: ns_pids(ns) for ns in self.state["namespaces"]}
        try:
            out["lb_states"] = self.lb_states()
        except OSError as e:
            out["lb_states"] = str(e)
        return out


def ns_pids(ns):
    r = run(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in r.stdout.split()] if r.returncode == 0 else []


def kill_and_wait(pids, wait_s):
    alive = []
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
            alive.append(p)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait_s
    while alive and time.monotonic() < deadline:
        for p in list(alive):
            try:
                done, _ = os.waitpid(p, os.WNOHANG)
                if done:
                    alive.remove(p)
                    continue
            except ChildProcessError:
                pass  # not our child: kill(0) tells
            try:
                os.kill(p, 0)
                if open(f"/proc/{p}/stat").read().split(") ")[1].startswith("Z"):
                    alive.remove(p)  # a zombie waiting for its parent: it is gone
            except (ProcessLookupError, FileNotFoundError, IndexError):
                alive.remove(p)
        time.sleep(0.05)
    for p in alive:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- readiness probes (run inside the client namespace) -----------------------------
def dns_query(server, name, timeout=0.5):
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (server, 53))
        data = s.recv(512)
    if len(data) < 12 or data[3] & 0x0F:
        return None
    # The answer's last 4 bytes are the address of a single-A reply.
    return socket.inet_ntoa(data[-4:]) if struct.unpack("!H", data[6:8])[0] >= 1 else None


def ntp_offset(server, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(b"\x23" + b"\0" * 47, (server, 123))
        data = s.recv(64)
    secs = struct.unpack("!I", data[40:44])[0] - 2208988800
    return secs - time.time()


def served_cert(ip, count_chain=False):
    import hashlib
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((ip, 443), timeout=1) as raw:
        with ctx.wrap_socket(raw, server_hostname=NAMES[0]) as t:
            der = t.getpeercert(binary_form=True)
    fp = hashlib.sha256(der).hexdigest()
    if not count_chain:
        return fp, None
    # The number of certificates sent: openssl s_client -showcerts counts them.
    r = subprocess.run(["openssl", "s_client", "-connect", f"{ip}:443", "-servername", NAMES[0], "-showcerts"],
                       input="", capture_output=True, text=True, timeout=5)
    return fp, r.stdout.count("-----BEGIN CERTIFICATE-----")


def smtp_features(tls):
    import smtplib
    with smtplib.SMTP(SMTP, 587, timeout=3) as c:
        c.ehlo("netlab")
        starttls = c.has_extn("starttls")
        if tls and starttls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c.starttls(context=ctx)
            c.ehlo("netlab")
        return starttls, (c.esmtp_features.get("auth") or "").upper().split()


def probe_one(d, what):
    kind, _, rest = what.partition(":")
    if kind == "tcp":
        host, port = rest.rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=0.5).close()
        return True
    if kind == "dns":
        got = dns_query(DNS, NAMES[0])
        return got == (rest or LB)
    if kind == "ntp":
        off = ntp_offset(NTP)
        return abs(off - int(rest or 0)) < 5
    if kind == "dovecot":
        return os.path.exists(os.path.join(d, "run", "dovecot", "auth-postfix"))
    if kind == "smtp-auth" or (kind == "smtp" and rest == "ok"):
        starttls, mechs = smtp_features(True)
        return starttls and "PLAIN" in mechs
    if kind == "smtp" and rest == "noplain":
        starttls, mechs = smtp_features(True)
        return starttls and "PLAIN" not in mechs
    if kind == "smtp" and rest == "nostarttls":
        starttls, mechs = smtp_features(False)
        return not starttls
    if kind == "cert":
        ip, fp, count = rest.split(":")
        got, n = served_cert(ip, count_chain=True)
        return got == fp and n == int(count)
    raise LabError(f"unknown probe {what}")


def probe_main(d, targets, timeout_s):
    deadline = time.monotonic() + timeout_s
    pending = list(targets)
    last_err = {}
    while pending and time.monotonic() < deadline:
        for t in list(pending):
            try:
                if probe_one(d, t):
                    pending.remove(t)
                    continue
                last_err[t] = "not yet"
            except (OSError, ValueError, IndexError, subprocess.SubprocessError) as e:
                last_err[t] = str(e)
        if pending:
            time.sleep(0.1)
    if pending:
        print("; ".join(f"{t}: {last_err.get(t)}" for t in pending))
        return 1
    return 0


def sniff_main(ifname, seconds):
    """Counts the ICMP destination-unreachable frames sent out of `ifname` (run inside
    the switch namespace on the box's TAP): prints {"code": count, ...} as JSON."""
    ETH_P_ALL = 0x0003
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))  # ends the count, still prints it
    print("ready", flush=True)
    codes = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop:
        try:
            frame = s.recv(2048)
        except socket.timeout:
            continue
        if len(frame) >= 14 + 20 + 2 and frame[12:14] == b"\x08\x00" and frame[14 + 9] == 1:
            ihl = (frame[14] & 0x0F) * 4
            icmp = frame[14 + ihl:]
            if icmp[0] == 3:
                codes[str(icmp[1])] = codes.get(str(icmp[1]), 0) + 1
    s.close()
    print(json.dumps(codes), flush=True)


def reap_main(d):
    lab = Lab(d)
    try:
        lab.load()
    except (OSError, ValueError):
        return
    lab_id = lab.state["id"]
    while time.time() < lab.state["deadline"]:
        time.sleep(1)
        if not os.path.exists(lab.state_path):
            return
        try:
            lab.load()
        except (OSError, ValueError):
            return
        if lab.state["id"] != lab_id:
            return
    log(f"TTL reached: taking lab {lab_id} down")
    lab.state["reaper"] = None
    lab.down()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["up", "down", "set", "status", "reap", "probe", "sniff"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ttl", type=float, default=1800, help="seconds before the reaper takes the lab down")
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_intermixed_args()
    lab = Lab(a.dir)
    try:
        if a.command == "up":
            state = lab.up(a.ttl)
            print(json.dumps(state, indent=1))
        elif a.command == "down":
            lab.down()
        elif a.command == "set":
            if len(a.args) != 2:
                ap.error("set FAULT VALUE")
            lab.load().set(*a.args)
        elif a.command == "status":
            print(json.dumps(lab.load().status(), indent=1))
        elif a.command == "reap":
            reap_main(a.dir)
        elif a.command == "sniff":
            sniff_main(a.args[0], a.timeout)
        elif a.command == "probe":
            sys.exit(probe_main(os.path.abspath(a.dir), a.args, a.timeout))
    except LabError as e:
        log(str(e))
        sys.exit(1)


if __name__ == "__main__":
    main()
