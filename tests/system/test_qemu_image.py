"""The mps2-an386 image under QEMU: boots, gets an address by DHCP, runs the checks,
and its verdicts match the simulator's on the same lab, check by check (issue 6)."""
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from simtest import HOST, Listener, boot_secrets, free_port, lab_session, request, run_once  # noqa: E402
from operator_pki import operator_chain  # noqa: E402
from test_https import colon_hex, peer_certificate, pinned_request  # noqa: E402

IMAGE = os.environ.get("PROBEBOX_IMAGE", "")


def qemu_command(tmp, append, nic_extra=""):
    return ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
            "-semihosting-config", "enable=on,target=native", "-kernel", IMAGE,
            "-serial", "stdio", "-serial", f"file:{tmp}/lcd.txt",
            "-trace", "led_change_intensity", "-D", f"{tmp}/leds.log",
            # Resolvers come from the config; the guest never uses slirp's forwarder.
            "-nic", "user,model=lan9118,net=10.0.2.0/24,host=10.0.2.2,ipv6=off" + nic_extra,
            "-append", append]


def run_image(doc, timeout=90, flash=None, keep=None, extra_qemu=()):
    """Boots the image with the config (or the flash image alone when doc is None);
    returns (exit code, result document, console). `keep` (a dict) receives the LCD
    and LED logs."""
    with tempfile.TemporaryDirectory() as tmp:
        append = "--once"
        if doc is not None:
            path = os.path.join(tmp, "config.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            append += f" --config {path}"
        if flash:
            append += f" --flash {flash}"
        proc = subprocess.run(qemu_command(tmp, append) + list(extra_qemu), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if keep is not None:
            for name in ("lcd.txt", "leds.log"):
                p = os.path.join(tmp, name)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        keep[name] = f.read()
                else:
                    keep[name] = ""
    doc_line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    result = json.loads(doc_line[len("RESULT "):]) if doc_line else None
    return proc.returncode, result, proc.stdout + proc.stderr


def recorded_client_hello(group):
    """The TLS 1.3 ClientHello openssl sends offering only `group`, as bytes to replay."""
    import socket
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    client = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{server.getsockname()[1]}",
                               "-tls1_3", "-groups", group], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        conn, _ = server.accept()
        conn.settimeout(5)
        data = b""
        while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big"):
            more = conn.recv(4096)
            if not more:
                break
            data += more
        conn.close()
        return data
    finally:
        client.kill()
        client.wait(5)
        client.stdin.close()
        server.close()


def config_file(tmp, doc):
    """Writes the config into the test's directory; returns its path."""
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


@contextlib.contextmanager
def web_image(tmp, append, extra_qemu=(), first_boot=True):
    """Boots the image in continuous mode with its HTTP and HTTPS ports forwarded, and
    waits for the first-boot password and the certificate's fingerprint on the
    console: yields (process, http port, https port, password, fingerprint, the
    deadline left for the test), and stops QEMU at the end."""
    port, https_port = free_port(), free_port()
    console = open(os.path.join(tmp, "console.txt"), "w+")
    proc = subprocess.Popen(qemu_command(tmp, append, f",hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:80"
                                                      f",hostfwd=tcp:127.0.0.1:{https_port}-10.0.2.15:443")
                            + list(extra_qemu),
                            stdout=console, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        # The console (the LCD too) shows the first-boot password; the API needs a session.
        deadline = time.monotonic() + 60
        password = fingerprint = None
        while time.monotonic() < deadline and ((first_boot and password is None) or fingerprint is None):
            console.seek(0)
            password, fingerprint = boot_secrets(console.read())
            time.sleep(0.2)
        if (first_boot and password is None) or fingerprint is None:
            # Say what the image did instead: a CI run once saw the password and no
            # fingerprint within the minute.
            console.seek(0)
            raise AssertionError(
                f"no {'first-boot password' if password is None else 'HTTPS fingerprint'} within 60 s "
                f"(qemu {'running' if proc.poll() is None else 'exited ' + str(proc.poll())}); "
                f"console:\n{console.read()[-3000:]}")
        yield proc, port, https_port, password, fingerprint, deadline
    finally:
        proc.terminate()
        console.close()
        proc.wait(10)


def login(https_port, fingerprint, password):
    """A session's headers for the image's API."""
    status, headers, raw = pinned_request(https_port, fingerprint, "POST", "/api/login", {"password": password})
    if status != 200:
        raise AssertionError(f"login: {status} {raw!r}")
    return {"Cookie": headers["Set-Cookie"].split(";", 1)[0], "X-CSRF-Token": json.loads(raw)["csrf"]}


def openssl_root(d, common_name):
    """root.crt and root.key in `d`: a self-signed RSA-2048 CA named common_name."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out",
                    "root.crt", "-days", "30", "-subj", f"/CN={common_name}", "-addext",
                    "basicConstraints=critical,CA:TRUE"], cwd=d, check=True, capture_output=True, timeout=60)


def tls_cert_under_icount(make_pki, leaf, chain, name):
    """One tls_cert check by the image (-icount shift=0, so a microsecond of its clock is
    a thousand instructions) against openssl s_server serving `leaf` (.crt/.key) and the
    CAs in `chain`, which make_pki(d) writes into a fresh directory beside root.crt, the
    check's only trust anchor. Returns (the check's result, the longest pass of the
    loop in instructions, the console)."""
    from test_tls_versions import s_server
    with tempfile.TemporaryDirectory() as d:
        make_pki(d)
        with open(os.path.join(d, "root.crt")) as f:
            root = f.read()
        with s_server(d, leaf, "-cert_chain", os.path.join(d, chain)) as port:
            doc = {"schema": 1, "trust_anchors_pem": root, "defaults": {"timeout_ms": 8000},
                   "checks": [{"id": "t", "type": "tls_cert", "host": HOST, "port": port,
                               "server_name": name, "names": [name]}]}
            code, result, console = run_image(doc, timeout=240, extra_qemu=["-icount", "shift=0"])
    if result is None:
        raise AssertionError(f"no result (exit {code}):\n{console[-3000:]}")
    longest = re.search(r"longest pass loop_us=(\d+)", console)
    if longest is None:
        raise AssertionError(f"no longest-pass figure:\n{console[-2000:]}")
    return result["checks"][0], int(longest.group(1)) * 1000, console


class QemuImage(unittest.TestCase):
    def test_verdicts_match_the_simulator(self):
        listener = Listener()
        try:
            doc = {"schema": 1, "device": {"name": "probe-qemu"}, "defaults": {"timeout_ms": 3000},
                   "checks": [
                       {"id": "open", "type": "tcp", "host": HOST, "port": listener.port},
                       {"id": "closed", "type": "tcp", "host": HOST, "port": free_port()},
                       {"id": "isolated", "type": "tcp", "host": HOST, "port": free_port(), "expect": "closed"},
                       {"id": "leak", "type": "tcp", "host": HOST, "port": listener.port, "expect": "closed"},
                   ]}
            code, image, console = run_image(doc)
            self.assertIsNotNone(image, console)
            self.assertEqual(code, 2, console)
            sim_code, sim, err = run_once(doc)
            self.assertEqual(sim_code, code, err)
            self.assertEqual(image["overall"], sim["overall"])
            for a, b in zip(image["checks"], sim["checks"]):
                self.assertEqual((a["id"], a["status"], a["details"], a["group"], a["target"]),
                                 (b["id"], b["status"], b["details"], b["group"], b["target"]))
            self.assertEqual([c["status"] for c in image["checks"]], ["ok", "critical", "ok", "critical"])
            self.assertIn("on mps2-an386", console)
        finally:
            listener.close()

    def test_tls_on_the_target_and_an_unset_clock(self):
        # The board boots with no wall clock: certificate dates cannot be judged, so the
        # verdict is unknown, while the chain and names are still judged.
        lab = lab_session(self)
        try:
            tls = lab.ports["tls"]
            doc = {"schema": 1, "trust_anchors_pem": tls["root_pem"], "defaults": {"timeout_ms": 8000},
                   "checks": [{"id": "cert", "type": "tls_cert", "host": HOST, "port": tls["scenarios"]["good"]["port"],
                               "server_name": "manage.lab.test", "names": ["manage.lab.test"]},
                              {"id": "no-intermediate", "type": "tls_cert", "host": HOST,
                               "port": tls["scenarios"]["no-intermediate"]["port"], "server_name": "manage.lab.test"}]}
            code, image, console = run_image(doc, timeout=180)
            self.assertIsNotNone(image, console)
            checks = {c["id"]: c for c in image["checks"]}
            self.assertEqual(checks["cert"]["status"], "unknown", checks["cert"]["summary"])
            self.assertIn("not synchronised", checks["cert"]["summary"])
            self.assertTrue(checks["cert"]["details"]["chain_complete"])
            self.assertTrue(checks["cert"]["details"]["trusted"])
            self.assertIsNone(checks["cert"]["details"]["days_left"])
            self.assertEqual(checks["cert"]["details"]["sha256"], tls["scenarios"]["good"]["sha256"])
            self.assertEqual(checks["no-intermediate"]["status"], "critical")
        finally:
            lab.down()

    def test_the_largest_chain_over_tls13_fits_the_client_pool_and_the_stack(self):
        """The worst client path on the target: a server that accepts only TLS 1.3
        (the probe retries with 1.3 after the 1.2 refusal) sending the lab's 15 KB
        chain (534 SANs) encrypted: the client pool's and the stack's high-water
        marks stay below their sizes (measured 60,368 of 63,488 and 8,200 of 12,288)."""
        import glob
        import re
        import socket
        import ssl
        import threading
        lab = lab_session(self)
        stop = threading.Event()
        sock = socket.socket()
        try:
            chain = glob.glob(os.path.join(lab.dir, "**", "big-chain.chain.pem"), recursive=True)[0]
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_cert_chain(chain, chain.replace(".chain.pem", ".key.pem"))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(4)
            sock.settimeout(0.2)

            def serve():
                while not stop.is_set():
                    try:
                        conn, _ = sock.accept()
                    except OSError:
                        continue
                    try:
                        conn.settimeout(5)
                        with ctx.wrap_socket(conn, server_side=True) as s:
                            s.recv(1)
                    except (OSError, ssl.SSLError):
                        conn.close()

            threading.Thread(target=serve, daemon=True).start()
            doc = {"schema": 1, "trust_anchors_pem": lab.ports["tls"]["root_pem"], "defaults": {"timeout_ms": 8000},
                   "checks": [{"id": "big13", "type": "tls_cert", "host": HOST, "port": sock.getsockname()[1],
                               "server_name": "manage.lab.test", "names": ["manage.lab.test"]}]}
            code, image, console = run_image(doc, timeout=180)
            self.assertIsNotNone(image, console[-2000:])
            check = image["checks"][0]
            self.assertEqual(check["details"]["tls_version"], "1.3", check["summary"])
            self.assertTrue(check["details"]["trusted"], check["summary"])
            self.assertTrue(check["details"]["chain_complete"])
            marks = re.search(r"high-water stack=(\d+)/(\d+) .*tls_client=(\d+)/(\d+)", console)
            self.assertIsNotNone(marks, console[-2000:])
            print(f"\nqemu TLS 1.3 big chain: {marks.group(0)}")
            stack, stack_size, client, client_size = (int(v) for v in marks.groups())
            self.assertLess(stack, stack_size * 3 // 4, "stack")
            self.assertGreater(client, 15 * 1024)  # the chain was read in the client pool
            self.assertLess(client, client_size, "client pool")
        finally:
            stop.set()
            sock.close()
            lab.down()

    def test_the_demo_lab_gives_the_same_verdicts_as_the_simulator(self):
        lab = lab_session(self)
        try:
            with open(os.path.join(os.path.dirname(__file__), "..", "lab", "demo-config.json")) as f:
                doc = json.load(f)
            doc["trust_anchors_pem"] = lab.ports["tls"]["root_pem"]
            doc["defaults"]["timeout_ms"] = 8000
            app = doc["appliance"]
            app["smtp"] = {"host": HOST, "port": lab.ports["smtp"]["ok"]["port"], "server_name": "relay.lab.test",
                           "username": "probe", "password": "secret"}
            lab.set(f"tcp:{app['ports']['mesh'][1]}", "closed")  # one fault, seen by both
            keep = {}
            code, image, console = run_image(doc, timeout=240, keep=keep)
            self.assertIsNotNone(image, console)
            sim_code, sim, err = run_once(doc, timeout=120)
            self.assertIsNotNone(sim, err)
            types = {c["type"] for c in image["checks"]}
            self.assertEqual(types, {"tls_cert", "dns", "tcp", "http", "smtp", "ntp"})
            for a, b in zip(image["checks"], sim["checks"]):
                self.assertEqual((a["id"], a["status"]), (b["id"], b["status"]), a["summary"] + " | " + b["summary"])
                if a["type"] == "tls_cert":  # the clock came from the lab's SNTP: dates are judged
                    self.assertEqual(a["details"]["days_left"], b["details"]["days_left"])
                    self.assertEqual(a["details"]["sha256"], b["details"]["sha256"])
                if a["type"] == "dns":
                    self.assertEqual(a["details"]["addresses"], b["details"]["addresses"])
            self.assertEqual(code, sim_code)
            self.assertEqual(image["overall"], "critical")
            # The whole cycle ran with the stack guard and the watchdog on, and neither fired.
            self.assertIn("stack guard on: MPU region", console)
            self.assertIn("watchdog on: 16000 ms", console)
            self.assertRegex(console, r"high-water tcp_pcb=\d+/\d+ udp_pcb=\d+/\d+ pbuf_pool=\d+/\d+ "
                                      r"lwip_heap=\d+/\d+ tls_arena=\d+/\d+")
            # The stack (painted at reset) and the arena's pools: each high-water mark
            # below its size, the stack with a quarter to spare.
            import re
            marks = re.search(r"high-water stack=(\d+)/(\d+) tcp_seg=(\d+)/(\d+) tls_shared=(\d+)/(\d+) "
                              r"tls_client=(\d+)/(\d+) tls_server=(\d+)/(\d+)", console)
            self.assertIsNotNone(marks, console[-2000:])
            print(f"\nqemu high-water: {marks.group(0)}")
            used = [int(v) for v in marks.groups()]
            self.assertLess(used[0], used[1] * 3 // 4, "stack")
            for name, i in (("tcp_seg", 2), ("tls_shared", 4), ("tls_client", 6), ("tls_server", 8)):
                self.assertLess(used[i], used[i + 1], name)
            self.assertGreater(used[6], 16 * 1024)  # the TLS probes' sessions ran in the client pool
            # The receive interrupt stamped the frames the probes timed their replies by.
            rx = re.search(r"rx stamped=(\d+) unstamped=(\d+) longest_wait_us=(\d+)", console)
            self.assertIsNotNone(rx, console[-2000:])
            print(f"qemu frames: {rx.group(0)}")
            self.assertGreater(int(rx.group(1)), 100)
            # The panel: the ports group's LED (SCC LED2) and STATUS (USERLED0) lit, the LCD drawn.
            self.assertIn("SCC LED2", keep["leds.log"])
            self.assertIn("USERLED0", keep["leds.log"])
            self.assertIn("|", keep["lcd.txt"])
            self.assertTrue(any(len(l) == 22 and l.startswith("|") for l in keep["lcd.txt"].splitlines()))
        finally:
            lab.set(f"tcp:{doc['appliance']['ports']['mesh'][1]}", "open")
            lab.down()

    def test_boots_from_a_flash_image_written_by_the_host_tool(self):
        listener = Listener()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                flash = os.path.join(tmp, "flash.bin")
                cfg = os.path.join(tmp, "c.json")
                with open(cfg, "w") as f:
                    json.dump({"schema": 1, "checks": [{"id": "from-flash", "type": "tcp", "host": HOST,
                                                        "port": listener.port}]}, f)
                tool = subprocess.run([os.environ["PROBEBOX_SIM"], "--config", cfg, "--flash", flash, "--store-only"],
                                      capture_output=True, text=True, timeout=30)
                self.assertEqual(tool.returncode, 0, tool.stderr)
                code, image, console = run_image(None, flash=flash)
                self.assertEqual(code, 0, console)
                self.assertIn("config from the flash image", console)
                self.assertEqual([c["id"] for c in image["checks"]], ["from-flash"])
        finally:
            listener.close()

    def test_web_api_answers_over_https_through_a_forwarded_port(self):
        """The image serves its UI over HTTPS by default (its own certificate, the
        fingerprint on the console); port 80 redirects there."""
        import urllib.request
        listener = Listener()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = config_file(tmp, {"schema": 1, "device": {"name": "probe-qemu-web"},
                                         "checks": [{"id": "p", "type": "tcp", "host": HOST, "port": listener.port},
                                                    {"id": "relay", "type": "smtp", "host": HOST,
                                                     "port": listener.port, "username": "probe",
                                                     "password": "qemu-s3cret", "interval_s": 300,
                                                     "timeout_ms": 500}]})
                flash = os.path.join(tmp, "flash.bin")
                with web_image(tmp, f"--config {path} --flash {flash}") as (proc, port, https_port, password,
                                                                            fingerprint, deadline):
                    status, headers, _ = request(port, "GET", "/api/status", timeout=10)
                    self.assertEqual(status, 301)
                    self.assertEqual(headers["Location"], "https://127.0.0.1/api/status")
                    status, headers, raw = pinned_request(https_port, fingerprint, "POST", "/api/login",
                                                          {"password": password})
                    self.assertEqual(status, 200, raw)
                    self.assertIn("Secure", headers["Set-Cookie"])
                    session = {"Cookie": headers["Set-Cookie"].split(";", 1)[0], "X-CSRF-Token": json.loads(raw)["csrf"]}
                    body = None
                    while time.monotonic() < deadline and body is None:
                        try:
                            status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/status",
                                                            headers=session)
                            doc = json.loads(raw)
                            if status == 200 and doc["checks"] and doc["checks"][0]["status"] != "unknown":
                                body = doc
                        except (OSError, ValueError, AssertionError):
                            time.sleep(0.5)
                    self.assertIsNotNone(body, "the image's web API never answered")
                    self.assertEqual(body["device"]["name"], "probe-qemu-web")
                    self.assertEqual(body["checks"][0]["hard"], "ok")
                    # The config is read where it lies in the board's flash (the code
                    # SSRAM above the image), and a PUT streams into its free slot: one
                    # larger than any RAM buffer of the web server is applied.
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/config", headers=session)
                    self.assertEqual(status, 200, raw)
                    shown = json.loads(raw)
                    self.assertEqual(shown["device"]["name"], "probe-qemu-web")
                    new_password = "qemu-image-password"
                    status, _, raw = pinned_request(https_port, fingerprint, "POST", "/api/password",
                                                    {"current": password, "new": new_password}, headers=session)
                    self.assertEqual(status, 200, raw)
                    status, headers, raw = pinned_request(https_port, fingerprint, "POST", "/api/login",
                                                          {"password": new_password})
                    self.assertEqual(status, 200, raw)
                    session = {"Cookie": headers["Set-Cookie"].split(";", 1)[0], "X-CSRF-Token": json.loads(raw)["csrf"]}
                    shown["device"]["name"] = "probe-qemu-renamed"
                    shown["checks"] += [{"id": f"pad-{i:02d}", "type": "tcp", "host": HOST, "port": listener.port,
                                         "interval_s": 300} for i in range(60)]
                    data = json.dumps(shown, indent=4)
                    self.assertGreater(len(data), 8 * 1024)
                    status, _, raw = pinned_request(https_port, fingerprint, "PUT", "/api/config", data, headers=session)
                    self.assertEqual(status, 200, raw)
                    self.assertEqual(json.loads(raw)["checks"], 62)
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/config", headers=session)
                    self.assertEqual(status, 200, raw)
                    self.assertEqual(json.loads(raw), shown)
                    self.assertEqual(shown["checks"][1]["password"], "********")
                    # The masked secret was put back from the running slot: both config
                    # slots of the flash file hold it (the first from --config).
                    with open(flash, "rb") as f:
                        self.assertEqual(f.read(2 * 18 * 4096).count(b"qemu-s3cret"), 2)
                    # The worst stack path the image runs: TLS 1.3 sessions of the UI (the
                    # P-256 handshake), a config PUT streamed, parsed and applied, the
                    # probes' TLS (the smtp check) alongside. The painted high-water mark
                    # keeps a quarter of the stack spare, and the server's pool its margin.
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/diagnostics", headers=session)
                    self.assertEqual(status, 200, raw)
                    diag = json.loads(raw)
                    stack, server = diag["stack"], diag["tls_pools"]["server"]
                    print(f"\nqemu web high-water: stack={stack['max']}/{stack['avail']} "
                          f"tls_server={server['max']}/{server['avail']} tls_shared={diag['tls_pools']['shared']['max']} "
                          f"pbuf_pool={diag['pbuf_pool']['max']}/{diag['pbuf_pool']['avail']} "
                          f"lwip_heap={diag['lwip_heap']['max']}/{diag['lwip_heap']['avail']}")
                    self.assertLess(stack["max"], stack["avail"] * 3 // 4, "stack")
                    self.assertGreater(server["max"], 16 * 1024)  # the UI's sessions ran in the server pool
                    self.assertLess(server["max"], server["avail"])
                    self.assertEqual(server["err"], 0)
                    # Nothing of a session outlived it in the server pool (the next
                    # session's 16 KiB input buffer must find its room again).
                    self.assertEqual(diag["web"]["tls_pool_held_idle"], 0)
        finally:
            listener.close()

    def test_an_operators_certificate_is_installed_and_served_on_the_targets_memory(self):
        """An operator's certificate from their company CA (an EC P-384 leaf issued by an
        RSA-2048 CA) is taken, kept in flash and served over TLS 1.2 and 1.3 by the
        image, and again after a restart: the upload is checked in the shared pool and
        written straight to flash, the identity parsed back where it lies. An RSA key is
        refused with the reason before anything is stored (core/limits.h: its signature
        would hold the processor for half a second in every handshake)."""
        listener = Listener()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = config_file(tmp, {"schema": 1, "device": {"name": "probe-qemu-pki"},
                                         "checks": [{"id": "p", "type": "tcp", "host": HOST, "port": listener.port}]})
                upload, leaf_der = operator_chain(os.path.join(tmp, "pki"), "ec:P-384", intermediates=2)
                rsa, _ = operator_chain(os.path.join(tmp, "rsa"), "rsa:2048", intermediates=0)
                flash = os.path.join(tmp, "flash.bin")
                uploaded = colon_hex(leaf_der)
                with web_image(tmp, f"--config {path} --flash {flash}") as (_, _, https_port, password, fingerprint,
                                                                            _):
                    session = login(https_port, fingerprint, password)
                    status, _, raw = pinned_request(https_port, fingerprint, "POST", "/api/password",
                                                    {"current": password, "new": "qemu-pki-password"}, headers=session)
                    self.assertEqual(status, 200, raw)
                    session = login(https_port, fingerprint, "qemu-pki-password")
                    status, _, raw = pinned_request(https_port, fingerprint, "PUT", "/api/tls", rsa,
                                                    headers=session, content_type="application/x-pem-file")
                    self.assertEqual(status, 400, raw)
                    self.assertIn("EC keys only", json.loads(raw)["error"])
                    status, _, raw = pinned_request(https_port, fingerprint, "PUT", "/api/tls", upload,
                                                    headers=session, content_type="application/x-pem-file")
                    self.assertEqual(status, 200, raw)
                    served = None
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline and served != uploaded:
                        try:
                            served = colon_hex(peer_certificate(https_port)[0])
                        except OSError:
                            time.sleep(0.5)
                    self.assertEqual(served, uploaded)
                    import ssl
                    for _ in range(2):  # a session after a session: nothing of one is left in the pool
                        for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
                            der, negotiated = peer_certificate(https_port, version)
                            self.assertEqual((colon_hex(der), negotiated), (uploaded, name))
                    status, _, raw = pinned_request(https_port, uploaded, "GET", "/api/diagnostics", headers=session)
                    self.assertEqual(status, 200, raw)
                    diag = json.loads(raw)
                    pools = diag["tls_pools"]
                    print(f"\nqemu operator identity (P-384, two RSA-2048 CAs): "
                          f"tls_server={pools['server']['max']}/{pools['server']['avail']} "
                          f"tls_shared={pools['shared']['max']}/{pools['shared']['avail']} (held {pools['shared']['used']})")
                    for pool in ("server", "shared"):
                        self.assertEqual(pools[pool]["err"], 0, pool)
                        self.assertLess(pools[pool]["max"], pools[pool]["avail"], pool)
                    self.assertEqual(diag["web"]["tls_pool_held_idle"], 0)
                # The next start serves it from flash.
                with web_image(tmp, f"--config {path} --flash {flash}", first_boot=False) as (_, _, https_port, _,
                                                                                              fingerprint, _):
                    self.assertEqual(fingerprint, uploaded)
                    self.assertEqual(colon_hex(peer_certificate(https_port)[0]), uploaded)
        finally:
            listener.close()

    def test_a_handshake_flood_takes_a_quarter_of_the_processor_at_most(self):
        """A client with no password replays a recorded TLS 1.3 ClientHello (P-384, the
        dearer curve) as fast as the box answers: each costs the image a full handshake,
        about 50 M instructions, and the client nothing. Under -icount shift=3,align=on
        (8 ns an instruction, held to the wall clock: a 125 MHz part) it held the image
        at 99.8 % load. Full handshakes now have a quarter of the processor
        (web/handshake_budget.h): the load stays near that, no check moves, and the
        operator still logs in during the flood."""
        import socket
        import threading
        hello = recorded_client_hello("P-384")
        listener = Listener(max_s=300)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                checks = [{"id": f"p{i}", "type": "tcp", "host": HOST, "port": listener.port} for i in range(8)]
                path = config_file(tmp, {"schema": 1, "device": {"name": "probe-qemu-flood"},
                                         "defaults": {"interval_s": 5, "confirm": 1}, "checks": checks})
                with web_image(tmp, f"--config {path}", ["-icount", "shift=3,align=on"]) as (_, _, https_port, password,
                                                                                            fingerprint, _):
                    session = login(https_port, fingerprint, password)
                    stop = time.monotonic() + 30
                    answered = [0, 0]

                    def flood():
                        while time.monotonic() < stop:
                            try:
                                with socket.create_connection(("127.0.0.1", https_port), timeout=10) as c:
                                    c.sendall(hello)
                                    got = len(c.recv(4096))
                                answered[0 if got > 0 else 1] += 1
                            except OSError:
                                answered[1] += 1
                                time.sleep(0.05)
                    threads = [threading.Thread(target=flood) for _ in range(2)]
                    for t in threads:
                        t.start()
                    time.sleep(20)
                    started = time.monotonic()
                    login(https_port, fingerprint, password)
                    login_s = time.monotonic() - started
                    for t in threads:
                        t.join()
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/diagnostics", headers=session)
                    self.assertEqual(status, 200, raw)
                    diag = json.loads(raw)
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/status", headers=session)
                    self.assertEqual(status, 200, raw)
                    checks_now = json.loads(raw)["checks"]
                    status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/events", headers=session)
                    self.assertEqual(status, 200, raw)
                    moved = [e for e in json.loads(raw)["events"] if e["from"] != "none"]
            print(f"\nqemu handshake flood: {answered[0]} hellos answered ({answered[1]} not) in 30 s; "
                  f"load {diag['cpu']['load_pct']} %; {diag['web']['handshake_budget_waits']} connections waited "
                  f"for the budget; longest pass {diag['longest_loop_step']['us']} us; login {login_s:.1f} s")
            self.assertGreater(answered[0], 10)  # the box did handshake work for the flood
            self.assertGreater(diag["web"]["handshake_budget_waits"], 0)
            self.assertLess(diag["cpu"]["load_pct"], 40)
            self.assertEqual([c["id"] for c in checks_now if c["status"] != "ok"], [])
            self.assertEqual(moved, [])
        finally:
            listener.close()

    def test_a_long_public_exponent_in_a_chain_is_refused_not_computed(self):
        """A server's chain whose intermediate has an RSA key with a 4095-bit public
        exponent: each signature that key checks cost the image 916 M instructions in
        one pass of the loop (5.5 s of a 168 MHz part; three such certificates outlast
        the 16 s watchdog). Refused now: the pass stays short and the verdict names it."""
        from hostile_keys import long_exponent_chain

        def pki(d):
            openssl_root(d, "Long Exponent Root")
            long_exponent_chain(d, "root", "manage.lab.test")
        check, longest, _ = tls_cert_under_icount(pki, "longeleaf", "longe.crt", "manage.lab.test")
        self.assertEqual(check["status"], "critical", check["summary"])
        self.assertIn("Long Exponent CA has an RSA public exponent over 64 bits", check["summary"])
        print(f"\nqemu long public exponent: longest pass {longest:,} instructions")
        # Under -icount shift=0 a microsecond is a thousand instructions: far below the
        # 916 M the exponentiation took, about what a tls_cert handshake's key exchange takes.
        self.assertLess(longest, 60_000_000)

    def test_a_company_pki_of_8192_bit_rsa_keys_verifies_on_the_targets_memory(self):
        """Some companies' own CAs have RSA-8192 keys. A chain from such a root through
        such an intermediate must verify in the target's TLS pools, not be called
        untrusted because a bignum did not fit (on 2026-12-04 it took 48.8 M
        instructions in one pass, and 6,128 of the 12,288-byte shared pool)."""
        check, longest, _ = tls_cert_under_icount(
            lambda d: operator_chain(d, "rsa:2048", intermediates=1, ca_key_spec="rsa:8192"), "leaf", "ca0.crt",
            "probe.lab.example")
        print(f"\nqemu RSA-8192 company PKI: longest pass {longest:,} instructions")
        details = check["details"]
        # The image has no clock here (no SNTP in the config): expiry is "unknown", trust is not.
        self.assertTrue(details["trusted"], check["summary"])
        self.assertEqual(details["trusted_by"], "anchors")  # the config's trust_anchors_pem
        self.assertEqual(details["issuer"], "CN=Operator Issuing CA 0")

    def test_a_chain_of_costly_rsa_keys_is_cut_off_at_the_sessions_budget(self):
        """The most a probed server (or anyone in its path) can make one tls_cert check
        cost: eight intermediates (the most the box follows) with RSA-4096 keys and 64-bit
        public exponents, all bits set (the costliest it computes), each signature made
        not to verify. Before the session's RSA work was bounded: 197 M instructions in
        one pass, 1.2 s of a 168 MHz part, on every check of every cycle (a chain that
        does not verify is never cached). Now the verification stops at the budget
        (PROBEBOX_TLS_RSA_WORK_PER_SESSION) and the verdict says so."""
        from hostile_keys import costly_chain

        def pki(d):
            openssl_root(d, "Costly Root")
            costly_chain(d, "root", "manage.lab.test", 8)
        check, longest, _ = tls_cert_under_icount(pki, "costlyleaf", "costly.chain", "manage.lab.test")
        self.assertEqual(check["status"], "critical", check["summary"])
        self.assertIn("its RSA keys ask more work than the box gives one check", check["summary"])
        self.assertFalse(check["details"]["trusted"])
        print(f"\nqemu costly chain: longest pass {longest:,} instructions")
        # The budget is four RSA-8192 signatures: about what the company PKI above takes,
        # and a quarter of a second of the part.
        self.assertLess(longest, 70_000_000)

    def test_a_fault_before_the_reset_is_a_restart_event_after_it(self):
        """A fatal report (here the watchdog's) writes why into RAM the reset leaves
        alone (.noinit); the next boot says so on the console and as a "(restart)"
        warning in the event log, the alerts' source. QEMU's loader puts the record
        where the image keeps it, as the last boot would have left it."""
        import struct
        nm = subprocess.run(["arm-none-eabi-nm", IMAGE], capture_output=True, text=True, check=True).stdout
        address = next(int(l.split()[0], 16) for l in nm.splitlines() if "fault_record" in l and "g_record" in l)

        def fnv1a(data):
            h = 2166136261
            for b in data:
                h = ((h ^ b) * 16777619) & 0xFFFFFFFF
            return h

        magic, pc = 0xFA17C0DE, 0x0000ABCD
        what = b"watchdog: the main loop stopped coming back".ljust(64, b"\0")
        # The check mixes each field as 32-bit little-endian words, each character one word.
        mixed = struct.pack("<II", magic, pc) + b"".join(struct.pack("<I", c) for c in what)
        record = struct.pack("<II", magic, pc) + what + struct.pack("<I", fnv1a(mixed))
        listener = Listener()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = config_file(tmp, {"schema": 1, "device": {"name": "probe-qemu-restart"},
                                         "checks": [{"id": "p", "type": "tcp", "host": HOST, "port": listener.port}]})
                with open(os.path.join(tmp, "record.bin"), "wb") as f:
                    f.write(record)
                loader = ["-device", f"loader,file={tmp}/record.bin,addr={address:#x}"]
                with web_image(tmp, f"--config {path}", loader) as (_, _, https_port, password, fingerprint,
                                                                     deadline):
                    with open(os.path.join(tmp, "console.txt")) as f:
                        self.assertIn("restarted after: watchdog: the main loop stopped coming back (pc 0000abcd)",
                                      f.read())
                    session = login(https_port, fingerprint, password)
                    restart = None
                    while time.monotonic() < deadline and restart is None:
                        status, _, raw = pinned_request(https_port, fingerprint, "GET", "/api/events", headers=session)
                        self.assertEqual(status, 200, raw)
                        events = json.loads(raw)["events"]
                        restart = next((e for e in events if e["check"] == "(restart)"), None)
                        if restart is None:
                            time.sleep(0.5)
                    self.assertIsNotNone(restart, events)
                    self.assertEqual(restart["to"], "warning")
                    self.assertIn("watchdog: the main loop stopped coming back (pc 0000abcd)", restart["summary"])
                    self.assertFalse(restart["previous_boot"])
        finally:
            listener.close()

    def test_bad_config_stops_with_status_3(self):
        code, image, console = run_image({"schema": 1, "checks": [{"id": "x", "type": "tcp", "port": 1}]})
        self.assertEqual(code, 3, console)
        self.assertIsNone(image)
        self.assertIn("checks[0].host", console)


if __name__ == "__main__":
    unittest.main()
