"""An operator's own certificate for the box's web UI, made by openssl the way a
company CA issues one: a root, `intermediates` CAs under it, and a leaf for
probe.lab.example with the key `key_spec` ("rsa:<bits>" or "ec:<curve>", e.g.
"ec:P-384"). The upload is the leaf, its intermediates and its key, as PEM."""
import os
import ssl
import subprocess

OPENSSL = "/usr/bin/openssl"


def _run(*args):
    subprocess.run([OPENSSL, *args], check=True, capture_output=True)


def _newkey(spec):
    if spec.startswith("ec:"):
        return ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{spec[3:]}"]
    return ["-newkey", spec]


def _ca_ext(d, extra_names):
    path = os.path.join(d, "ca.ext")
    with open(path, "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        if extra_names:
            # Names an issuing CA may carry (a long list makes a large certificate).
            f.write("subjectAltName=" + ",".join(f"DNS:ca-{i}.operator.example" for i in range(extra_names)) + "\n")
    return path


def _leaf_ext(d):
    path = os.path.join(d, "leaf.ext")
    with open(path, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:probe.lab.example\n")
    return path


def operator_chain(d, key_spec, intermediates=1, ca_key_spec="rsa:2048", ca_extra_names=0):
    """Returns (upload PEM text, the leaf's DER). Files go under `d`."""
    os.makedirs(d, exist_ok=True)
    key = lambda n: os.path.join(d, f"{n}.key")  # noqa: E731
    crt = lambda n: os.path.join(d, f"{n}.crt")  # noqa: E731
    _run("req", "-x509", *_newkey(ca_key_spec), "-nodes", "-keyout", key("root"), "-out", crt("root"),
         "-days", "60", "-subj", "/CN=Operator Root CA", "-addext", "basicConstraints=critical,CA:TRUE")
    issuer = "root"
    chain = []
    for i in range(intermediates):
        name = f"ca{i}"
        _run("req", "-new", *_newkey(ca_key_spec), "-nodes", "-keyout", key(name), "-out", os.path.join(d, f"{name}.csr"),
             "-subj", f"/CN=Operator Issuing CA {i}")
        _run("x509", "-req", "-in", os.path.join(d, f"{name}.csr"), "-CA", crt(issuer), "-CAkey", key(issuer),
             "-CAcreateserial", "-out", crt(name), "-days", "60", "-extfile", _ca_ext(d, ca_extra_names))
        chain.insert(0, crt(name))
        issuer = name
    _run("req", "-new", *_newkey(key_spec), "-nodes", "-keyout", key("leaf"), "-out", os.path.join(d, "leaf.csr"),
         "-subj", "/CN=probe.lab.example")
    _run("x509", "-req", "-in", os.path.join(d, "leaf.csr"), "-CA", crt(issuer), "-CAkey", key(issuer),
         "-CAcreateserial", "-out", crt("leaf"), "-days", "30", "-extfile", _leaf_ext(d))
    with open(crt("leaf")) as f:
        leaf_pem = f.read()
    text = leaf_pem
    for path in chain:
        with open(path) as f:
            text += f.read()
    with open(key("leaf")) as f:
        text += f.read()
    return text, ssl.PEM_cert_to_DER_cert(leaf_pem)
