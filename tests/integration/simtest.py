"""Helpers for integration tests: run probebox-sim, local listeners on 127.0.0.1."""
import contextlib
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

SIM = os.environ.get("PROBEBOX_SIM", "")
# Inside the simulator the host's loopback is 10.0.2.2 (slirp); it is the only
# address a test may aim a check at.
HOST = "10.0.2.2"


def free_port():
    """A TCP port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Listener:
    """Accepts and closes connections on 127.0.0.1 until stopped (at most max_s)."""

    def __init__(self, max_s=120, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def wakeups(pid):
    """Voluntary context switches of every live thread of a process: how often it
    slept and was woken (each poll() that waited is one)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


def write_config(doc):
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return path


def run_once(doc, timeout=60, flash=None, extra_args=()):
    """Runs `probebox-sim --once`; returns (exit code, parsed stdout or None, stderr)."""
    path = write_config(doc) if doc is not None else None
    with tempfile.TemporaryDirectory() as tmp:
        args = [SIM, "--once", "--flash", flash or os.path.join(tmp, "flash.bin"), *extra_args]
        if path:
            args += ["--config", path]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        finally:
            if path:
                os.unlink(path)
    parsed = None
    if proc.stdout.strip():
        parsed = json.loads(proc.stdout)
    return proc.returncode, parsed, proc.stderr


def boot_secrets(console_text):
    """The first-boot password and the web UI certificate's SHA-256 fingerprint a box's
    console printed at start (the simulator's or the image's); each None until printed."""
    password = fingerprint = None
    for line in console_text.splitlines():
        if "first-boot password:" in line:
            password = line.rsplit(":", 1)[1].strip()
        if "HTTPS certificate SHA-256 fingerprint" in line:
            fingerprint = line.rsplit(" ", 1)[1].strip()
    return password, fingerprint


# What the simulator's console said at start, per forwarded web port: the
# first-boot password is read from there (the box shows it on its LCD).
FIRST_BOOT = {}
SESSIONS = {}  # web port -> {"cookie": ..., "csrf": ...}
PUBLIC_PATHS = ("/healthz", "/metrics", "/api/session", "/api/login")


def _read_console_until_ready(proc, port, timeout_s=30):
    """Reads the simulator's stderr up to its 'web UI and API' line, noting the
    first-boot password. One thread reads the pipe from the start and keeps
    draining it so it never fills; lines reach us through a queue (select() on a
    buffered text stream misses lines already read into its buffer)."""
    import queue
    lines = []
    arrived = queue.Queue()

    def drain():
        for line in proc.stderr:
            lines.append(line)
            arrived.put(line)
        arrived.put(None)

    proc.console_reader = threading.Thread(target=drain, daemon=True)
    proc.console_reader.start()
    proc.console = lines
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = arrived.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if "first-boot password" in line:
            FIRST_BOOT[port] = line.rsplit(":", 1)[1].strip()
        if "web UI and API on" in line:
            break


@contextlib.contextmanager
def running_sim(doc, http_port=None, extra_args=(), env=None, flash=None, https_port=None):
    """Runs the simulator continuously; yields (process, http_port)."""
    path = write_config(doc) if doc is not None else None
    port = http_port or free_port()
    tmp = tempfile.mkdtemp()
    # HTTPS off unless a test asks for it (https_port): the other tests speak plain HTTP.
    args = [SIM, "--http-port", str(port), "--https-port", str(https_port or 0),
            "--flash", flash or os.path.join(tmp, "flash.bin"), *extra_args]
    if path:
        args += ["--config", path]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    SESSIONS.pop(port, None)
    FIRST_BOOT.pop(port, None)
    try:
        _read_console_until_ready(proc, port)
        yield proc, port
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader = getattr(proc, "console_reader", None)
        if reader:
            reader.join(2)  # the pipe ends with the process
        for stream in (proc.stdout, proc.stderr):
            stream.close()
        if path:
            os.unlink(path)
        SESSIONS.pop(port, None)


def request(port, method, path, body=None, headers=None, timeout=5):
    """One HTTP request to the simulator's web port: (status, headers, body bytes),
    whatever the status. `body` may be bytes, str or a JSON-able object."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        data = body
        if body is not None and not isinstance(body, (bytes, str)):
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(data, str):
            data = data.encode()
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


def login(port, password=None):
    """Logs in (with the first-boot password unless told otherwise); returns and
    remembers {"cookie", "csrf"} for the port."""
    pw = password or FIRST_BOOT.get(port)
    if pw is None:
        raise AssertionError("no first-boot password seen on the simulator's console")
    status, headers, body = request(port, "POST", "/api/login", {"password": pw})
    if status != 200:
        raise AssertionError(f"login failed: {status} {body!r}")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    session = {"cookie": cookie, "csrf": json.loads(body)["csrf"]}
    SESSIONS[port] = session
    return session


def session_headers(port):
    s = SESSIONS.get(port) or login(port)
    return {"Cookie": s["cookie"], "X-CSRF-Token": s["csrf"]}


def http_get(port, path, timeout=5, attempts=3):
    """GET from the simulator's forwarded port, logged in where the route needs it;
    a transient timeout or reset on a loaded machine is retried (bounded), an HTTP
    error status is not."""
    import urllib.error
    for attempt in range(attempts):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
            if not path.startswith(PUBLIC_PATHS):
                for k, v in session_headers(port).items():
                    req.add_header(k, v)
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError:
            raise
        except OSError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def raw_exchange(port, data, read_s=3):
    """Sends raw bytes, returns what came back before the server closed (or read_s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_s) as s:
        s.sendall(data)
        chunks = []
        deadline = time.monotonic() + read_s
        try:
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
    return b"".join(chunks)


def read_to_end(sock, chunk=65536):
    """Everything a socket (plain or TLS) receives until the peer closes."""
    answer = b""
    while True:
        more = sock.recv(chunk)
        if not more:
            return answer
        answer += more


def wait_for(predicate, timeout_s, interval_s=0.1):
    """Polls predicate() until it returns a truthy value or the time is up."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError:
            pass
        time.sleep(interval_s)
    return last


def lab_session(test_case, base_port=None):
    """Starts the lab for a TestCase class (setUpClass) on its fixed ports, or on a
    block from `base_port` (a long run that must not hold the fixed ones). Its
    directory (keys, logs, mail) goes when the class (or, given a test, the test) is
    done, after the caller has stopped the lab; given None (a tool, not a test), when
    the process exits."""
    import shutil
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
    import lab as lab_module
    tmp = tempfile.mkdtemp(prefix="probebox-lab-")
    # Registered before the caller's own clean-ups, so it runs after them (they run
    # last-in first-out, and class clean-ups after tearDownClass).
    if test_case is None:
        import atexit
        cleanup = atexit.register
    elif isinstance(test_case, type):
        cleanup = test_case.addClassCleanup
    else:
        cleanup = test_case.addCleanup
    cleanup(shutil.rmtree, tmp, ignore_errors=True)
    max_s = int(os.environ.get("LAB_MAX_SECONDS", "900"))
    return lab_module.Lab(tmp, base_port=base_port, max_seconds=max_s).up()


def by_id(doc):
    return {c["id"]: c for c in doc["checks"]}
