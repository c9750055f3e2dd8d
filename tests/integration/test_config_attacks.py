"""Issue 15, items 5, 7, 8 and 9 (config part), driven as an attacker would:
through the web API with a session, through a planted flash image, and against
a relay that records every command it gets.

- A CR/LF in alerts.mail.from/to or device.name, a duplicated key, bad UTF-8:
  400 with the JSON path, nothing changes, and no mail carries an extra
  command or header (the Subject is RFC 2047 encoded-words when not ASCII).
- "********" for a check pointed at a new relay: 400 ("password required:
  target changed"), and the new relay never hears from the box.
- A newest flash slot that passes its CRC but is no usable config: the box runs
  the older slot (not the factory config) and says so in its event log.
- One stored event with sequence 0xFFFFFFFE: syslog alerts still flow, and
  events are still persisted past the wrap.
"""
import email
import email.header
import email.policy
import json
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
import unittest
import zlib

from simtest import (FIRST_BOOT, HOST, Listener, by_id, free_port, http_get, login, request, run_once, running_sim,
                     session_headers, wait_for)

NEW_PASSWORD = "correct horse battery staple"

# firmware/config/flash_layout.h and host-sim/file_flash.h
SECTOR = 4096
FLASH_SECTORS = 64
CONFIG_SLOT_SECTORS = 18
EVENTS_FIRST_SECTOR = 38


class SmtpRecorder:
    """A relay on 127.0.0.1 that says yes to everything (AUTH included) and
    records every command line and every message; one connection at a time,
    for at most max_s."""

    def __init__(self, max_s=180):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.commands = []
        self.messages = []
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
            self.connections += 1
            try:
                self._serve(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _serve(self, conn):
        conn.settimeout(5)
        conn.sendall(b"220 recorder ESMTP\r\n")
        buf = b""
        in_data = False
        session_end = time.monotonic() + 30
        while time.monotonic() < session_end and not self._stop.is_set():
            if in_data:
                end = buf.find(b"\r\n.\r\n")
                if end >= 0:
                    self.messages.append(buf[:end + 2])
                    buf = buf[end + 5:]
                    in_data = False
                    conn.sendall(b"250 2.0.0 queued\r\n")
                    continue
            elif b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                self.commands.append(line.decode("latin-1"))
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-recorder\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                elif verb == b"AUTH":
                    conn.sendall(b"235 2.7.0 accepted\r\n")
                elif verb == b"DATA":
                    in_data = True
                    conn.sendall(b"354 go on\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
                continue
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk

    def close(self):
        self._stop.set()
        self._thread.join(3)
        self.sock.close()


def set_admin_password(port):
    """First-boot login, the password set, then a normal admin session."""
    s = login(port)
    h = {"Cookie": s["cookie"], "X-CSRF-Token": s["csrf"]}
    status, _, body = request(port, "POST", "/api/password", {"current": FIRST_BOOT[port], "new": NEW_PASSWORD},
                              headers=h)
    assert status == 200, body
    login(port, NEW_PASSWORD)


def put_raw(port, data):
    h = {**session_headers(port), "Content-Type": "application/json"}
    status, _, body = request(port, "PUT", "/api/config", data, headers=h)
    return status, json.loads(body) if body else {}


def error_paths(reply):
    return {e["path"]: e["message"] for e in reply.get("errors", [])}


def config_slot(payload, sequence):
    header = struct.pack("<IHHIII", 0x46434250, 1, 0, sequence, len(payload), zlib.crc32(payload))
    return header + struct.pack("<I", zlib.crc32(header)) + payload


def event_record(sequence, check_id, summary, to=2):
    payload = (struct.pack("<II", 0, 0) + bytes([0, to, 0]) + struct.pack("<H", 1) +
               bytes([len(check_id)]) + check_id + bytes([len(summary)]) + summary)
    head = struct.pack("<IH", sequence, len(payload))
    record = struct.pack("<I", 0x56454250) + head + struct.pack("<I", zlib.crc32(head, zlib.crc32(payload))) + payload
    return record + b"\xff" * (256 - len(record))


def write_flash(path, pieces):
    image = bytearray(b"\xff" * (FLASH_SECTORS * SECTOR))
    for offset, data in pieces:
        image[offset:offset + len(data)] = data
    with open(path, "wb") as f:
        f.write(image)


class ConfigAttacksThroughTheApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.listener = Listener(max_s=600)
        cls.relay = SmtpRecorder(max_s=600)     # the operator's relay
        cls.attacker = SmtpRecorder(max_s=600)  # a relay the attacker runs
        cls.doc = {"schema": 1, "device": {"name": "probe-attacks"},
                   "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                   "checks": [{"id": "up", "type": "tcp", "host": HOST, "port": cls.listener.port},
                              {"id": "relay", "type": "smtp", "host": HOST, "port": cls.relay.port,
                               "username": "probe", "password": "s3cret-relay", "interval_s": 60, "timeout_ms": 2000}]}
        cls.tmp = tempfile.mkdtemp()
        cls.ctx = running_sim(cls.doc, flash=os.path.join(cls.tmp, "flash.bin"))
        cls.proc, cls.port = cls.ctx.__enter__()
        assert wait_for(lambda: http_get(cls.port, "/healthz")[0] == 200, 20)
        set_admin_password(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.ctx.__exit__(None, None, None)
        for server in (cls.listener, cls.relay, cls.attacker):
            server.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def stored(self):
        return http_get(self.port, "/api/config")[2]

    def test_1_injection_through_config_strings_is_refused_with_the_path(self):
        before = self.stored()
        masked = json.loads(before)

        def variant(change):
            doc = json.loads(json.dumps(masked))
            change(doc)
            return json.dumps(doc).encode()

        attacks = [
            (variant(lambda d: d["device"].update(name="probe\r\nBcc: attacker@evil.example")), "device.name"),
            (variant(lambda d: d.update(alerts={"mail": {
                "to": ["ops@lab.test"], "from": "probe@lab.test>\r\nRCPT TO:<attacker@evil.example"}})),
             "alerts.mail.from"),
            (variant(lambda d: d.update(alerts={"mail": {
                "to": ["ops@lab.test", "ops@lab.test>\r\nRCPT TO:<attacker@evil.example"], "from": "probe@lab.test"}})),
             "alerts.mail.to[1]"),
            (variant(lambda d: d.update(alerts={"mail": {"to": ["ops@lab.test> NOTIFY=NEVER"], "from": "probe@lab.test"}})),
             "alerts.mail.to[0]"),
            (variant(lambda d: d.update(alerts={"syslog": {"server": f"{HOST}:5514\n"}})), "alerts.syslog.server"),
            (variant(lambda d: d["device"].update(location="rack\u0000B4")), "device.location"),
            (variant(lambda d: d["device"].update(location="rack\u0085B4")), "device.location"),
            # The validator sees one host, a later reader the other.
            (before.replace(b'"id": "up"', b'"id": "up", "host": "203.0.113.9"', 1) if b'"id": "up"' in before
             else before.replace(b'"id":"up"', b'"id":"up","host":"203.0.113.9"', 1), "checks[0].host"),
            (variant(lambda d: d["device"].update(location="@@")).replace(b"@@", b"\xc0\xaf"), "device.location"),
            (variant(lambda d: d["device"].update(location="@@")).replace(b"@@", b"\xed\xa0\x80"), "device.location"),
            (variant(lambda d: d["device"].update(location="@@")).replace(b"@@", b"\xe2\x82"), "device.location"),
        ]
        for data, path in attacks:
            status, reply = put_raw(self.port, data)
            self.assertEqual(status, 400, data)
            self.assertIn(path, error_paths(reply), (data, reply))
        self.assertEqual(self.stored(), before, "nothing changed")
        self.assertEqual(json.loads(http_get(self.port, "/api/session")[2])["device"], "probe-attacks")
        self.assertFalse([c for c in self.relay.commands if "evil.example" in c])

    def test_2_a_masked_password_does_not_follow_a_new_relay(self):
        before = self.stored()
        doc = json.loads(before)
        self.assertEqual(by_id(doc)["relay"]["password"], "********")
        by_id(doc)["relay"]["port"] = self.attacker.port  # "********" kept: mail me the password
        status, reply = put_raw(self.port, json.dumps(doc).encode())
        self.assertEqual(status, 400, reply)
        self.assertEqual(error_paths(reply).get("checks[id=relay].password"), "password required: target changed")
        by_id(doc)["relay"]["port"] = self.relay.port
        by_id(doc)["relay"]["host"] = "127.0.0.1"  # another way to name another target
        status, reply = put_raw(self.port, json.dumps(doc).encode())
        self.assertEqual(status, 400, reply)
        self.assertEqual(self.stored(), before)
        time.sleep(3)
        self.assertEqual(self.attacker.connections, 0, self.attacker.commands)
        # The operator who types the password may point the check anywhere.
        by_id(doc)["relay"].update(host=HOST, port=self.attacker.port, password="typed-for-the-new-relay")
        status, reply = put_raw(self.port, json.dumps(doc).encode())
        self.assertEqual(status, 200, reply)
        self.assertNotIn(b"s3cret-relay", http_get(self.port, "/api/config")[2])

    def test_3_alert_mail_has_one_recipient_and_encoded_headers(self):
        down = free_port()
        doc = {"schema": 1, "device": {"name": "Sonde B\u00fcro"},
               "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
               "checks": [{"id": "down", "type": "tcp", "host": HOST, "port": down}],
               "alerts": {"mail": {"to": ["ops@lab.test"], "from": "probe@lab.test",
                                   "server": f"{HOST}:{self.relay.port}"}}}
        status, reply = put_raw(self.port, json.dumps(doc).encode())
        self.assertEqual(status, 200, reply)
        got = wait_for(lambda: [m for m in self.relay.messages if b"down" in m], 45)
        self.assertTrue(got, f"no alert mail; relay heard {self.relay.commands[-10:]}")
        raw = got[0]
        head = raw.split(b"\r\n\r\n", 1)[0]
        self.assertTrue(all(b < 0x80 for b in head), head)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        names = [k.lower() for k in message.keys()]
        self.assertLessEqual(set(names), {"from", "to", "subject", "date", "mime-version", "content-type",
                                          "auto-submitted"}, names)
        for name in ("from", "to", "subject"):
            self.assertEqual(names.count(name), 1, names)
        self.assertTrue(str(message["Subject"]).startswith("[Sonde B\u00fcro] CRITICAL down: "), message["Subject"])
        self.assertIn("=?utf-8?B?", head.decode())
        rcpts = [c for c in self.relay.commands if c.upper().startswith("RCPT")]
        self.assertTrue(rcpts and all(c == "RCPT TO:<ops@lab.test>" for c in rcpts), rcpts)


class ConfigAtStart(unittest.TestCase):
    def test_a_config_file_with_a_line_break_is_refused(self):
        doc = {"schema": 1, "device": {"name": "p\r\nBcc: x@evil.example"}}
        code, out, err = run_once(doc)
        self.assertEqual(code, 3, err)
        self.assertIn("device.name: must not contain control characters", err)


class BootFallback(unittest.TestCase):
    def test_an_unusable_newest_slot_boots_the_older_one(self):
        listener = Listener(max_s=120)
        good = json.dumps({"schema": 1, "device": {"name": "probe-fallback"},
                           "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                           "checks": [{"id": "kept", "type": "tcp", "host": HOST, "port": listener.port}]}).encode()
        newest = {
            "cut JSON": b'{"schema":1,"checks":[{"id":"x"',
            "oversized": b'{"schema":1,"device":{"name":"big","location":"' + b"x" * 70000 + b'"}}',
        }
        try:
            for what, payload in newest.items():
                with self.subTest(what), tempfile.TemporaryDirectory() as tmp:
                    flash = os.path.join(tmp, "flash.bin")
                    write_flash(flash, [(0, config_slot(good, 1)),
                                        (CONFIG_SLOT_SECTORS * SECTOR, config_slot(payload, 2))])
                    with running_sim(None, flash=flash) as (proc, port):
                        self.assertTrue(wait_for(lambda: http_get(port, "/healthz")[0] == 200, 20))
                        console = "".join(proc.console)
                        self.assertIn("stored config #2", console)
                        self.assertIn("running the previous one, #1", console)
                        self.assertEqual(json.loads(http_get(port, "/api/session")[2])["device"], "probe-fallback")
                        status = json.loads(http_get(port, "/api/status")[2])
                        self.assertEqual([c["id"] for c in status["checks"]], ["kept"], "not the factory config")
                        events = json.loads(http_get(port, "/api/events")[2])["events"]
                        notes = [e for e in events if e["check"] == "(config)"]
                        self.assertEqual(len(notes), 1, events)
                        self.assertEqual(notes[0]["to"], "warning")
                        self.assertIn("#2", notes[0]["summary"])
                    with open(flash, "rb") as f:
                        f.seek(CONFIG_SLOT_SECTORS * SECTOR)
                        self.assertEqual(f.read(24), b"\xff" * 24, "the unusable slot is discarded")
        finally:
            listener.close()


class EventSequenceWrap(unittest.TestCase):
    def test_a_stored_event_near_2_32_does_not_silence_alerts(self):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(20)
        listener = Listener(max_s=120)
        config = json.dumps({"schema": 1, "device": {"name": "probe-wrap"},
                             "defaults": {"interval_s": 1, "timeout_ms": 800, "confirm": 1},
                             "checks": [{"id": "up", "type": "tcp", "host": HOST, "port": listener.port},
                                        {"id": "down", "type": "tcp", "host": HOST, "port": free_port()}],
                             "alerts": {"syslog": {"server": f"{HOST}:{rx.getsockname()[1]}"}}}).encode()
        planted = event_record(0xFFFFFFFE, b"down", b"planted before the restart")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                flash = os.path.join(tmp, "flash.bin")
                write_flash(flash, [(0, config_slot(config, 1)), (EVENTS_FIRST_SECTOR * SECTOR, planted)])
                with running_sim(None, flash=flash) as (proc, port):
                    seen = set()
                    deadline = time.monotonic() + 20
                    while seen != {"up", "down"} and time.monotonic() < deadline:
                        line = rx.recv(2048).decode()
                        for check in ("up", "down"):
                            if f'check="{check}"' in line:
                                seen.add(check)
                    self.assertEqual(seen, {"up", "down"}, "syslog fell silent after the wrap")
                    events = json.loads(http_get(port, "/api/events")[2])
                    self.assertLess(events["total"], 100, "numbering went on through 0xFFFFFFFF and 0")
                    time.sleep(1)  # a step or two to write them to flash
                # After another restart the events from past the wrap are back.
                with running_sim(None, flash=flash) as (proc, port):
                    self.assertTrue(wait_for(lambda: http_get(port, "/healthz")[0] == 200, 20))
                    events = json.loads(http_get(port, "/api/events")[2])["events"]
                    restored = {e["sequence"] for e in events if e["previous_boot"]}
                    self.assertTrue({0xFFFFFFFE, 0xFFFFFFFF, 0} <= restored, sorted(restored))
        finally:
            listener.close()
            rx.close()


if __name__ == "__main__":
    unittest.main()
