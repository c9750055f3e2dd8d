"""RSA keys no ordinary tool makes: a real modulus (openssl's primes) with a public
exponent as long as the modulus. mbedTLS takes any odd exponent below the modulus,
and each signature checked with such a key costs a full exponentiation."""
import base64
import math
import re
import secrets
import subprocess

OPENSSL = "/usr/bin/openssl"


def _openssl(d, *args):
    subprocess.run([OPENSSL, *args], cwd=d, check=True, capture_output=True, timeout=120)


def _der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der_integer(v):
    body = v.to_bytes(v.bit_length() // 8 + 1, "big")  # a leading zero keeps it positive
    return b"\x02" + _der_length(len(body)) + body


def _primes(bits):
    text = subprocess.run([OPENSSL, "genrsa", str(bits)], capture_output=True, check=True, timeout=120).stdout
    dump = subprocess.run([OPENSSL, "rsa", "-noout", "-text"], input=text, capture_output=True, check=True).stdout.decode()

    def field(name):
        block = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", dump).group(1)
        return int(re.sub(r"[\s:]", "", block), 16)
    return field("prime1"), field("prime2")


def rsa_key_with_long_exponent(bits, exponent_bits):
    """A PKCS#1 PEM private key of `bits` whose public exponent has `exponent_bits` bits."""
    p, q = _primes(bits)
    n = p * q
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    while True:
        e = secrets.randbits(exponent_bits) | (1 << (exponent_bits - 1)) | 1
        if e < n and math.gcd(e, lam) == 1:
            break
    d = pow(e, -1, lam)
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    body = b"".join(_der_integer(v) for v in fields)
    der = b"\x30" + _der_length(len(body)) + body
    b64 = base64.encodebytes(der).decode().replace("\n", "")
    lines = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----\n"


def long_exponent_chain(d, root, name):
    """In directory `d`, beside `root`.crt and `root`.key: "Long Exponent CA" (longe.crt),
    whose RSA-4096 key has a 4095-bit exponent, issued by the root, and a leaf for `name`
    (longeleaf.crt, longeleaf.key) that CA issued. The CA's certificate carries the key
    (-force_pubkey): openssl will not check a request signed with it."""
    with open(f"{d}/longe.key", "w") as f:
        f.write(rsa_key_with_long_exponent(4096, 4095))
    with open(f"{d}/longe-ca.ext", "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    with open(f"{d}/longe-leaf.ext", "w") as f:
        f.write(f"basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:{name}\n")
    _openssl(d, "rsa", "-in", "longe.key", "-pubout", "-out", "longe.pub")
    _openssl(d, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "longe-req.key", "-out", "longe.csr",
             "-subj", "/CN=Long Exponent CA")
    _openssl(d, "x509", "-req", "-in", "longe.csr", "-CA", f"{root}.crt", "-CAkey", f"{root}.key", "-force_pubkey",
             "longe.pub", "-set_serial", "77", "-out", "longe.crt", "-days", "60", "-extfile", "longe-ca.ext")
    _openssl(d, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "longeleaf.key", "-out", "longeleaf.csr",
             "-subj", f"/CN={name}")
    _openssl(d, "x509", "-req", "-in", "longeleaf.csr", "-CA", "longe.crt", "-CAkey", "longe.key", "-set_serial", "78",
             "-out", "longeleaf.crt", "-days", "60", "-extfile", "longe-leaf.ext")


def _public_key_pem(n, e):
    """A SubjectPublicKeyInfo PEM for the RSA key (n, e), whatever n is."""
    def seq(body):
        return b"\x30" + _der_length(len(body)) + body
    rsa_public = seq(_der_integer(n) + _der_integer(e))
    rsa_encryption = seq(b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00")
    bits = b"\x03" + _der_length(len(rsa_public) + 1) + b"\x00" + rsa_public
    b64 = base64.encodebytes(seq(rsa_encryption + bits)).decode().replace("\n", "")
    lines = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n"


def costly_chain(d, root, name, count, bits=4096):
    """In directory `d`, beside `root`.crt and `root`.key: `count` CAs "Costly 1".."Costly
    <count>", each under the one before (the first under the root), whose public keys are
    random `bits`-bit moduli with the costliest exponent the box computes (64 bits, all
    set), and a
    leaf for `name` (costlyleaf.crt, costlyleaf.key) under the last. Only the root's
    signature is real: every other one is made with a key of the right size that is not
    the issuer's, so it does not verify, but checking it costs a verifier the whole
    public operation. costly.chain is the CAs, leaf-side first, as a server sends them."""
    with open(f"{d}/costly-ca.ext", "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    with open(f"{d}/costly-leaf.ext", "w") as f:
        f.write(f"basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:{name}\n")
    _openssl(d, "genrsa", "-out", "costly-signer.key", str(bits))
    _openssl(d, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "costly-req.key", "-out", "costly.csr",
             "-subj", "/CN=costly")
    issuer_crt, issuer_key, cas = f"{root}.crt", f"{root}.key", []
    for i in range(1, count + 1):
        # The top 16 bits set: above any signature the real signer makes, which mbedTLS
        # would otherwise refuse before the exponentiation (about half of them).
        n = secrets.randbits(bits) | (((1 << 16) - 1) << (bits - 16)) | 1
        e = (1 << 64) - 1  # every bit set: the most multiplications a 64-bit exponent asks
        with open(f"{d}/costly{i}.pub", "w") as f:
            f.write(_public_key_pem(n, e))
        _openssl(d, "x509", "-req", "-in", "costly.csr", "-CA", issuer_crt, "-CAkey", issuer_key, "-force_pubkey",
                 f"costly{i}.pub", "-subj", f"/CN=Costly {i}", "-set_serial", str(200 + i), "-out", f"costly{i}.crt",
                 "-days", "30", "-extfile", "costly-ca.ext")
        # The next certificate's issuer: named Costly i, holding the real signer's key.
        _openssl(d, "req", "-x509", "-key", "costly-signer.key", "-out", f"costly-signer{i}.crt", "-days", "30",
                 "-subj", f"/CN=Costly {i}")
        issuer_crt, issuer_key = f"costly-signer{i}.crt", "costly-signer.key"
        cas.insert(0, f"costly{i}.crt")
    _openssl(d, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "costlyleaf.key", "-out", "costlyleaf.csr",
             "-subj", f"/CN={name}")
    _openssl(d, "x509", "-req", "-in", "costlyleaf.csr", "-CA", issuer_crt, "-CAkey", issuer_key, "-set_serial", "299",
             "-out", "costlyleaf.crt", "-days", "30", "-extfile", "costly-leaf.ext")
    with open(f"{d}/costly.chain", "w") as out:
        for ca in cas:
            with open(f"{d}/{ca}") as f:
                out.write(f.read())
