#!/usr/bin/env python3
"""Captures what the box says about the lab, so a refactor can prove it changed
nothing an operator sees: the `--once` result document, /api/status, /metrics,
/api/report, an SNMP walk of the box's MIB and the panel's frames (`--panel json`),
with the values that differ from run to run (latencies, clocks, the lab CA's fresh
keys) replaced by placeholders.

    PROBEBOX_SIM=build/sim/host-sim/probebox-sim \
      unshare -n bash -c 'ip link set lo up && python3 tests/identity/capture.py OUT_DIR'
    diff -r BEFORE_DIR AFTER_DIR

Run it inside a private network namespace (the lab uses fixed ports). Traffic goes
only to 127.0.0.1 (10.0.2.2 inside slirp). Two captures of one build must be equal;
`--twice` checks that before anything is compared across builds.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import simtest  # noqa: E402

SNMP_COMMUNITY = "identity-ro"
SNMP_PORT = 16161
PROBEBOX_OID = ".1.3.6.1.4.1"

# Keys whose numbers depend on timing or the wall clock, wherever they appear.
VOLATILE_KEYS = re.compile(
    r'"(latency_ms|latency_us|[a-z_]*_us|[a-z_]*_ms|[a-z_]*_at|at|time|now|uptime_s|'
    r'offset_ms|not_before|not_after|next_run_in_s|since|seq|sequence|generated|boots)"\s*:\s*'
    r'(-?[0-9.]+|"[^"]*")')
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
# Counters that grow with the cycles the run happened to see.
COUNTERS = re.compile(r'"(ok|warning|critical|unknown|hard_for_s|events|total|cycles|runs|server_date_skew_s)"\s*:\s*-?[0-9]+')
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
SERIAL = re.compile(r'"serial"\s*:\s*"[0-9a-fA-F:]+"')
DURATION_WORDS = re.compile(r"\b\d+(\.\d+)?\s?(ms|us|µs|s)\b")
METRIC_VOLATILE = re.compile(
    r"^(probe_duration_seconds|probe_dns_lookup_time_seconds|probebox_uptime_seconds|"
    r"probe_ssl_earliest_cert_expiry|probe_ssl_last_chain_expiry_timestamp_seconds|probebox_[a-z_]*timestamp[a-z_]*|probe_ntp_offset_seconds|probebox_ntp_offset_seconds|"
    r"probebox_cycle[a-z_]*|probe_http_duration_seconds|process_[a-z_]*)(\{[^}]*\})? .*$", re.M)


# The SNMP table's latency column (PROBEBOX-MIB pbCheckLatencyMs).
SNMP_LATENCY = re.compile(r"^(\.1\.3\.6\.1\.4\.1\.99999\.1\.3\.1\.6\.\d+) = Gauge32: \d+$", re.M)
SIGNED_OFFSET = re.compile(r"offset [+-]<dur>")


def normalize(text):
    text = SNMP_LATENCY.sub(r"\1 = Gauge32: <v>", text)
    text = VOLATILE_KEYS.sub(lambda m: f'"{m.group(1)}": "<v>"', text)
    text = COUNTERS.sub(lambda m: f'"{m.group(1)}": "<n>"', text)
    text = ISO_TIME.sub("<time>", text)
    text = HEX64.sub("<sha256>", text)
    text = SERIAL.sub('"serial": "<serial>"', text)
    text = DURATION_WORDS.sub("<dur>", text)
    text = SIGNED_OFFSET.sub("offset <dur>", text)
    text = re.sub(r"<dur> +", "<dur> ", text)  # the LCD pads a shorter number
    text = METRIC_VOLATILE.sub(lambda m: f"{m.group(1)}{m.group(2) or ''} <v>", text)
    return text


def pretty(raw):
    try:
        return json.dumps(json.loads(raw), indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    except ValueError:
        return raw


def lab_config(lab):
    with open(os.path.join(HERE, "..", "lab", "demo-config.json")) as f:
        doc = json.load(f)
    doc["trust_anchors_pem"] = lab.ports["tls"]["root_pem"]
    doc["defaults"]["interval_s"] = 10
    doc["defaults"]["timeout_ms"] = 8000  # a loaded machine must not turn a verdict into a timeout
    doc["alerts"] = {"snmp": {"community": SNMP_COMMUNITY}}
    # Every TLS scenario and every SMTP relay of the lab, so the failure paths of the
    # tls_cert and smtp probes are in the documents too, not only the healthy ones.
    checks = []
    for label, scenario in sorted(lab.ports["tls"]["scenarios"].items()):
        checks.append({"id": f"tls.{label}", "type": "tls_cert", "host": simtest.HOST, "port": scenario["port"],
                       "server_name": "manage.lab.test", "names": ["manage.lab.test", "rta.lab.test"]})
    for label, relay in sorted(lab.ports["smtp"].items()):
        if isinstance(relay, dict) and "port" in relay:
            checks.append({"id": f"smtp.{label}", "type": "smtp", "host": simtest.HOST, "port": relay["port"],
                           "username": "probe", "password": "secret", "server_name": "relay.lab.test"})
    doc["checks"] = checks
    return doc


def snmp_walk():
    env = {**os.environ, "MIBS": "", "SNMPCONFPATH": tempfile.mkdtemp(), "SNMP_PERSISTENT_DIR": tempfile.mkdtemp()}
    r = subprocess.run(["snmpwalk", "-v2c", "-c", SNMP_COMMUNITY, "-On", "-t", "2", "-r", "2",
                        f"127.0.0.1:{SNMP_PORT}", PROBEBOX_OID], capture_output=True, text=True, env=env, timeout=60)
    lines = [l for l in r.stdout.splitlines() if not re.search(r"Timeticks|Counter", l)]
    return "\n".join(lines) + "\n" + (f"stderr: {r.stderr}" if r.returncode else "")


def capture(out_dir, lab):
    os.makedirs(out_dir, exist_ok=True)
    doc = lab_config(lab)
    code, once, stderr = simtest.run_once(doc, timeout=120)
    with open(os.path.join(out_dir, "once.json"), "w") as f:
        f.write(f"exit {code}\n" + normalize(json.dumps(once, indent=1, ensure_ascii=False)) + "\n")

    with simtest.running_sim(doc, extra_args=("--panel", "json", "--snmp-port", str(SNMP_PORT))) as (proc, port):
        def all_ran():
            _, _, body = simtest.http_get(port, "/api/status")
            status = json.loads(body)
            return all(c["summary"] != "not run yet" for c in status["checks"]) and body
        if not simtest.wait_for(all_ran, 60, 0.5):
            raise SystemExit("not every check ran within 60 s")
        time.sleep(11)  # one more cycle, so confirmations settle
        for path, name in (("/api/status", "status.json"), ("/metrics", "metrics.txt"),
                           ("/api/report", "report.json")):
            _, _, body = simtest.http_get(port, path)
            with open(os.path.join(out_dir, name), "w") as f:
                f.write(normalize(pretty(body.decode())))
        with open(os.path.join(out_dir, "snmp.txt"), "w") as f:
            f.write(normalize(snmp_walk()))
        proc.terminate()
        frames = proc.stdout.read().splitlines()
    # The last frame of each page is what an operator sees once the box has settled.
    last_by_page = {}
    for line in frames:
        try:
            frame = json.loads(line)
        except ValueError:
            continue
        frame.pop("t", None)
        frame.pop("ms", None)
        # The LCD's lower lines scroll with time; the top two and the LEDs do not.
        if isinstance(frame.get("lcd"), list):
            frame["lcd"] = frame["lcd"][:2]
        last_by_page[json.dumps(frame.get("page", frame.get("lcd", [""])[:1]))] = frame
    with open(os.path.join(out_dir, "panel.json"), "w") as f:
        for key in sorted(last_by_page):
            f.write(normalize(json.dumps(last_by_page[key], ensure_ascii=False)) + "\n")


# What the faults pass breaks (tests/lab/lab.py's modes).
FAULTS = (("testall", "fail"), ("sntp", "offset:5000"), ("tcp:17777", "closed"), ("dns", "down"))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or not simtest.SIM:
        raise SystemExit(__doc__)
    lab = simtest.lab_session(None)
    try:
        def both(out):
            capture(os.path.join(out, "healthy"), lab)
            for service, mode in FAULTS:
                lab.set(service, mode)
            capture(os.path.join(out, "faults"), lab)
            for service, mode in FAULTS:
                lab.set(service, {"testall": "ok", "sntp": "ok", "dns": "up"}.get(service, "open"))
        both(args[0])
        if "--twice" in sys.argv:
            second = args[0].rstrip("/") + ".again"
            both(second)
            r = subprocess.run(["diff", "-r", args[0], second])
            raise SystemExit(r.returncode)
    finally:
        lab.down()


if __name__ == "__main__":
    main()
