"""A local copy of the public badssl.com scenario set, for the tls_cert probe: every
certificate made with the openssl CLI, every scenario served by Debian's nginx on its
own port of 127.0.0.1 (nothing else is ever contacted).

    with BadsslLab() as lab:
        lab.scenarios["expired"]  -> {"port": ..., "cert": path, ...}
        lab.anchors_pem           -> the lab roots a check trusts (trust_anchors_pem)

Keys that take long to make (RSA 8192) are kept between runs in a cache folder
(PROBEBOX_LAB_KEY_CACHE, default under the system temp folder); every certificate is
made fresh, so dates are always relative to now.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

NAME = "www.badssl.test"
OTHER = "other.badssl.test"
LOOPBACK = "127.0.0.1"
MODERN = "TLSv1.2 TLSv1.3"
# OpenSSL 3 refuses small keys, SHA-1/MD5 and TLS 1.0/1.1 at its default security
# level; the scenarios that serve them lower it for their own port only.
WEAK = "DEFAULT:@SECLEVEL=0"


def _openssl(*args, cwd, fake_time=None):
    cmd = ["openssl", *args]
    if fake_time:
        cmd = ["faketime", "-f", fake_time, *cmd]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr[-500:]}")
    return r.stdout


def _free_ports(count):
    """`count` distinct free ports: every socket stays bound until all are chosen, so
    the kernel cannot hand out one port twice."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((LOOPBACK, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Pki:
    """Keys and certificates in one folder, by name: NAME.key, NAME.crt."""

    def __init__(self, folder, key_cache):
        self.dir = folder
        self.cache = key_cache

    def path(self, name, ext):
        return os.path.join(self.dir, f"{name}.{ext}")

    def key(self, name, spec="rsa:2048"):
        kind, size = spec.split(":")
        cached = os.path.join(self.cache, f"{kind}-{size}.key") if kind == "rsa" and int(size) >= 4096 else None
        if cached and os.path.exists(cached):
            shutil.copy(cached, self.path(name, "key"))
            return self.path(name, "key")
        if kind == "rsa":
            _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{size}", "-out", f"{name}.key",
                     cwd=self.dir)
        else:
            _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{size}", "-out", f"{name}.key",
                     cwd=self.dir)
        if cached:
            os.makedirs(self.cache, exist_ok=True)
            shutil.copy(self.path(name, "key"), cached + ".tmp")
            os.replace(cached + ".tmp", cached)
        return self.path(name, "key")

    def cert(self, name, subject, issuer=None, sans=(), ca=False, days=365, digest="sha256", fake_time=None,
             key_spec="rsa:2048"):
        """A certificate for NAME.key (made if missing), signed by `issuer` (a name of this
        Pki) or self-signed; `fake_time` shifts the signing clock ("-400d", "+10d")."""
        if not os.path.exists(self.path(name, "key")):
            self.key(name, key_spec)
        ext = ["[req]", "distinguished_name=dn", "prompt=no", "[dn]", "[ext]",
               f"basicConstraints=critical,CA:{'TRUE' if ca else 'FALSE'}"]
        if ca:
            ext.append("keyUsage=critical,keyCertSign,cRLSign")
        if sans:
            ext.append("subjectAltName=" + ",".join(f"DNS:{s}" for s in sans))
        with open(self.path(name, "cnf"), "w") as f:
            f.write("\n".join(ext) + "\n")
        _openssl("req", "-new", "-key", f"{name}.key", "-config", f"{name}.cnf", "-subj", subject or "/",
                 "-out", f"{name}.csr", cwd=self.dir)
        signer = ["-key", f"{name}.key"] if issuer is None else \
            ["-CA", f"{issuer}.crt", "-CAkey", f"{issuer}.key", "-CAcreateserial"]
        _openssl("x509", "-req", "-in", f"{name}.csr", *signer, "-days", str(days), f"-{digest}",
                 "-extfile", f"{name}.cnf", "-extensions", "ext", "-out", f"{name}.crt", cwd=self.dir,
                 fake_time=fake_time)
        return self.path(name, "crt")

    def pem(self, *names):
        text = ""
        for n in names:
            with open(self.path(n, "crt")) as f:
                text += f.read()
        return text


def _sans(count):
    return [NAME] + [f"host-{i:05d}.many.badssl.test" for i in range(count - 1)]


def build_scenarios(pki):
    """Every scenario: (label, chain names leaf first, nginx protocols, nginx ciphers)."""
    p = pki
    p.cert("root", "/O=badssl lab/CN=badssl lab root", ca=True, days=3650)
    p.cert("int", "/O=badssl lab/CN=badssl lab intermediate", issuer="root", ca=True, days=1825)
    p.cert("root-sha1", "/O=badssl lab/CN=badssl lab SHA-1 root", ca=True, days=3650, digest="sha1")
    p.cert("int-sha1root", "/O=badssl lab/CN=under the SHA-1 root", issuer="root-sha1", ca=True, days=1825)
    p.cert("other-root", "/O=nobody/CN=an untrusted root", ca=True, days=3650)
    p.cert("other-int", "/O=nobody/CN=an untrusted intermediate", issuer="other-root", ca=True, days=1825)
    p.cert("int-sha1", "/O=badssl lab/CN=SHA-1 intermediate", issuer="root", ca=True, days=1825, digest="sha1")
    p.cert("int-expired", "/O=badssl lab/CN=expired intermediate", issuer="root", ca=True, days=30,
           fake_time="-400d")
    p.cert("int-soon", "/O=badssl lab/CN=intermediate expiring first", issuer="root", ca=True, days=20)
    p.cert("int2", "/O=badssl lab/CN=second intermediate", issuer="int", ca=True, days=1825)
    p.cert("int3", "/O=badssl lab/CN=third intermediate", issuer="int2", ca=True, days=1825)

    leaf = f"/O=badssl lab/CN={NAME}"
    s = []

    def leaf_of(label, issuer="int", chain=None, protocols=MODERN, ciphers=None, **kw):
        kw.setdefault("sans", [NAME])
        p.cert(label, kw.pop("subject", leaf), issuer=issuer, **kw)
        s.append((label, [label] + list(chain if chain is not None else ([issuer] if issuer else [])), protocols,
                  ciphers))

    leaf_of("good")
    leaf_of("expired", fake_time="-400d", days=30)
    leaf_of("not-yet-valid", fake_time="+10d", days=300)
    leaf_of("expires-in-10-days", days=10)
    leaf_of("expires-in-20-days", days=20)
    leaf_of("wrong-host", sans=[OTHER])
    leaf_of("self-signed", issuer=None)
    leaf_of("untrusted-root", issuer="other-int", chain=["other-int"])
    leaf_of("incomplete-chain", issuer="int2", chain=[])
    leaf_of("reversed-chain", issuer="int2", chain=["int", "int2"])
    leaf_of("long-chain", issuer="int3", chain=["int3", "int2", "int"])
    leaf_of("sha1-leaf", digest="sha1", ciphers=WEAK)
    leaf_of("sha1-intermediate", issuer="int-sha1", ciphers=WEAK)
    leaf_of("sha1-root-self-signature", issuer="int-sha1root", ciphers=WEAK)
    leaf_of("md5-leaf", digest="md5", ciphers=WEAK)
    leaf_of("expired-intermediate", issuer="int-expired")
    leaf_of("intermediate-expires-first", issuer="int-soon", days=300)
    for bits in (512, 1024, 2048, 4096, 8192):
        leaf_of(f"rsa{bits}", key_spec=f"rsa:{bits}", ciphers=WEAK if bits < 2048 else None)
    leaf_of("ecc256", key_spec="ec:P-256")
    leaf_of("ecc384", key_spec="ec:P-384")
    leaf_of("no-subject", subject="/")
    leaf_of("cn-only", sans=())
    leaf_of("wildcard", sans=["*.badssl.test"])
    leaf_of("wildcard-too-deep", sans=["*.test"])
    leaf_of("1000-sans", sans=_sans(1000))
    leaf_of("10000-sans", sans=_sans(10000))
    leaf_of("tls-v1-0", protocols="TLSv1", ciphers=WEAK)
    leaf_of("tls-v1-1", protocols="TLSv1.1", ciphers=WEAK)
    leaf_of("tls-v1-2", protocols="TLSv1.2")
    leaf_of("tls-v1-3", protocols="TLSv1.3")
    leaf_of("legacy-accepted", protocols="TLSv1 TLSv1.1 TLSv1.2", ciphers=WEAK)
    leaf_of("dhe-only", protocols="TLSv1.2", ciphers="DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
    s.append(("not-tls", None, None, None))
    return s


def _server_block(pki, label, chain, protocols, ciphers, port):
    if chain is None:  # plain HTTP on the port a check expects TLS on
        return f"server {{ listen {LOOPBACK}:{port}; location / {{ return 200 \"OK\\n\"; }} }}\n"
    bundle = pki.path(f"{label}-chain", "pem")
    with open(bundle, "w") as f:
        f.write(pki.pem(*chain))
    lines = [f"listen {LOOPBACK}:{port} ssl;", f"ssl_certificate {bundle};",
             f"ssl_certificate_key {pki.path(label, 'key')};", f"ssl_protocols {protocols};",
             "ssl_session_tickets off;", "location / { return 200 \"OK\\n\"; }"]
    if ciphers:
        lines.append(f"ssl_ciphers {ciphers};")
    if ciphers and ciphers.startswith("DHE"):
        lines.append(f"ssl_dhparam {pki.path('dhparam', 'pem')};")
    return "server { " + " ".join(lines) + " }\n"


class BadsslLab:
    def __init__(self, max_seconds=600):
        self.max_seconds = max_seconds
        self.dir = None
        self.proc = None
        self.scenarios = {}
        self.anchors_pem = ""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="badssl-lab-")
        cache = os.environ.get("PROBEBOX_LAB_KEY_CACHE", os.path.join(tempfile.gettempdir(), "probebox-lab-keys"))
        pki = Pki(os.path.join(self.dir, "pki"), cache)
        os.makedirs(pki.dir)
        with open(pki.path("dhparam", "pem"), "w") as f:
            f.write(_openssl("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", cwd=pki.dir))
        blocks = []
        scenarios = build_scenarios(pki)
        for (label, chain, protocols, ciphers), port in zip(scenarios, _free_ports(len(scenarios))):
            blocks.append(_server_block(pki, label, chain, protocols, ciphers, port))
            self.scenarios[label] = {"port": port, "chain": chain,
                                     "cert": pki.path(label, "crt") if chain else None}
        # The roots a check trusts: the lab's two roots, and the self-signed leaf itself
        # (a self-signed leaf is critical whatever the anchors say).
        self.anchors_pem = pki.pem("root", "root-sha1", "self-signed")
        self.pki = pki
        self._start_nginx(blocks)
        return self

    def _start_nginx(self, blocks):
        conf = os.path.join(self.dir, "nginx.conf")
        tmp = os.path.join(self.dir, "nginx-tmp")
        os.makedirs(tmp)
        with open(conf, "w") as f:
            f.write(f"worker_processes 1; pid {self.dir}/nginx.pid; error_log {self.dir}/nginx.err warn;\n"
                    "events { worker_connections 256; }\n"
                    f"http {{ access_log off; client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p;\n"
                    f"fastcgi_temp_path {tmp}/f; uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;\n"
                    + "".join(blocks) + "}\n")
        self.proc = subprocess.Popen(["timeout", str(self.max_seconds), "nginx", "-c", conf, "-p", self.dir,
                                      "-g", "daemon off; master_process off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        pending = {s["port"] for s in self.scenarios.values()}
        while pending and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx stopped: " + self.proc.stderr.read().decode()[-2000:])
            for port in list(pending):
                with socket.socket() as sock:
                    if sock.connect_ex((LOOPBACK, port)) == 0:
                        pending.discard(port)
            time.sleep(0.05)
        if pending:
            raise RuntimeError(f"nginx did not listen on {sorted(pending)}")

    def der_length(self, label):
        out = subprocess.run(["openssl", "x509", "-in", self.scenarios[label]["cert"], "-outform", "DER"],
                             capture_output=True, check=True, timeout=60).stdout
        return len(out)

    def not_after(self, name):
        """A certificate's notAfter in Unix seconds (openssl x509 -enddate)."""
        text = _openssl("x509", "-in", self.pki.path(name, "crt"), "-noout", "-enddate", cwd=self.pki.dir)
        stamp = text.strip().split("=", 1)[1]
        return int(time.mktime(time.strptime(stamp, "%b %d %H:%M:%S %Y %Z")) - time.timezone)

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=10)
        with contextlib.suppress(Exception):
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False
