"""What the peers run for one full appliance cycle: the blackbox_exporter config and
probe list, and the monitoring-plugins command lines, both derived from the
simulator's own --once result (each check's kind, target, port and name), so each tool
does exactly the box's checks. Every target is
127.0.0.1, where the simulator reaches the same servers as 10.0.2.2 through libslirp;
with the lab on a TAP (tap_lab.py) the lab listens on 192.0.2.1 and the peers aim there
too, through loopback.
"""
import base64
import json
import os
import re

LOOPBACK = "127.0.0.1"
SLIRP_HOST = "10.0.2.2"
TAP_HOST = "192.0.2.1"  # tests/bench/tap_lab.py's LAB
PLUGINS = "/usr/lib/nagios/plugins"
SMTP_USER, SMTP_PASSWORD = "probe", "secret"


def demo_config(repo, lab, host=SLIRP_HOST):
    """tests/lab/demo-config.json with the lab's ports (the lab runs on a free base port,
    not the demo's fixed ones, so it never collides with someone's demo) and the lab's
    SMTP relay added to the profile, as tests/system/test_qemu_image.py does. host is
    the lab's address as the box sees it."""
    with open(os.path.join(repo, "tests", "lab", "demo-config.json")) as f:
        doc = json.load(f)
    doc["trust_anchors_pem"] = lab["tls"]["root_pem"]
    dns = f"{host}:{lab['dns']}"
    ntp = f"{host}:{lab['sntp']}"
    doc["network"]["dns"], doc["network"]["ntp"] = [dns], [ntp]
    app = doc["appliance"]
    app["load_balancer"] = host
    app["nodes"] = [host if n == SLIRP_HOST else n for n in app["nodes"]]
    app["ports"] = {"https": lab["tls"]["scenarios"]["good"]["port"], "http": lab["testall"], "mesh": lab["mesh"]}
    app["resolvers"], app["ntp"] = [dns], [ntp]
    app["isolated_from"] = [f"{host}:{lab['isolated']}"]
    app["smtp"] = {"host": host, "port": lab["smtp"]["ok"]["port"], "server_name": "relay.lab.test",
                   "username": SMTP_USER,
                   "password": SMTP_PASSWORD}
    return doc


def host_port(target):
    host, port = target.rsplit(":", 1)
    return (LOOPBACK if host == SLIRP_HOST else host), int(port)


def _url_parts(url):
    scheme, rest = url.split("://", 1)
    hostport, _, path = rest.partition("/")
    host, port = host_port(hostport) if ":" in hostport else (hostport, 443 if scheme == "https" else 80)
    return scheme, host, port, "/" + path


def checks_from_once(once_doc, config_checks=()):
    """The box's own checks, read from its --once result document, as dicts
    {kind, id, host, port, ...}: the peers do exactly the checks the simulator did
    (the appliance profile's expansion is the firmware's, never re-derived here).
    config_checks: the config's explicit checks, for what a result does not echo (an
    http check's login and the statuses it expects)."""
    given = {c["id"]: c for c in config_checks}
    out = []
    cert_names = [m.group(1) for c in once_doc["checks"] if c["type"] == "tls_cert"
                  for m in [re.match(r"cert (\S+)", c["summary"])] if m]
    dashboard = cert_names[0] if cert_names else None
    for c in once_doc["checks"]:
        d, kind = c.get("details") or {}, c["type"]
        item = {"kind": kind, "id": c["id"]}
        if kind == "http":
            scheme, host, port, path = _url_parts(c["target"])
            item.update(host=host, port=port, path=path, scheme=scheme, samples=int(d.get("samples") or 1))
            if d.get("location"):
                # The https-only check: plain HTTP answered by a 301 to https:// for the same name.
                item.update(kind="http_redirect", name=re.match(r"https://([^/:]+)", d["location"]).group(1))
            else:
                item.update(name=dashboard)  # Host and SNI: the dashboard's name, as the profile does
                conf = given.get(c["id"], {})
                item.update(statuses=conf.get("expect_status") or [200],
                            login=(conf["username"], conf["password"]) if conf.get("username") else None)
        else:
            item["host"], item["port"] = host_port(c["target"])
            if kind == "tls_cert":
                item["name"] = re.match(r"cert (\S+)", c["summary"]).group(1)
            elif kind == "dns":
                item["name"] = c["summary"].split(" -> ")[0]
                item["addresses"] = d.get("addresses") or []
            elif kind == "tcp" and d.get("state") in ("refused", "closed", "filtered"):
                item["kind"] = "tcp_closed"
            elif kind == "smtp":
                m = re.search(r"CN=([^,]+)", d.get("tls_subject") or "")
                item["name"] = m.group(1) if m else dashboard
        out.append(item)
    return out


def names_of(checks, kind):
    seen = []
    for c in checks:
        if c["kind"] == kind and c.get("name") and c["name"] not in seen:
            seen.append(c["name"])
    return seen


# --- blackbox_exporter ---------------------------------------------------------------
def module_key(name):
    return name.replace(".", "_")


def http_module(c):
    """The module of an http check: one per name, expected statuses and login."""
    key = f"http_{module_key(c['name'] or 'none')}"
    statuses = c.get("statuses") or [200]
    if statuses != [200]:
        key += "_" + "_".join(map(str, statuses))
    return key + ("_login" if c.get("login") else "")


def blackbox_config(checks, root_pem_path, timeout="3s", smtp_login=(SMTP_USER, SMTP_PASSWORD)):
    """blackbox.yml as a dict (written as JSON, which is YAML). One module per name where
    the exporter takes the name from the module (DNS query, SNI, Host header)."""
    ip4 = {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}
    auth = base64.b64encode(f"\0{smtp_login[0]}\0{smtp_login[1]}".encode()).decode()
    smtp_name = (names_of(checks, "smtp") or names_of(checks, "tls_cert") or ["relay.lab.test"])[0]
    modules = {
        "tcp_connect": {"prober": "tcp", "timeout": timeout, "tcp": dict(ip4)},
        # The same conversation as the smtp probe: banner, EHLO, STARTTLS, EHLO, AUTH PLAIN, QUIT.
        "smtp_starttls": {"prober": "tcp", "timeout": timeout, "tcp": dict(
            ip4, tls_config={"ca_file": root_pem_path, "server_name": smtp_name},
            query_response=[{"expect": "^220"}, {"send": "EHLO probe.lab.test"}, {"expect": "^250[ -]STARTTLS"},
                            {"send": "STARTTLS"}, {"expect": "^220"}, {"starttls": True},
                            {"send": "EHLO probe.lab.test"}, {"expect": "^250[ -]AUTH.*PLAIN"},
                            {"send": f"AUTH PLAIN {auth}"}, {"expect": "^235"},
                            {"send": "QUIT"}, {"expect": "^221"}])},
    }
    for name in names_of(checks, "tls_cert"):
        modules[f"tls_{module_key(name)}"] = {"prober": "tcp", "timeout": timeout, "tcp": dict(
            ip4, tls=True, tls_config={"ca_file": root_pem_path, "server_name": name})}
    for c in checks:
        if c["kind"] == "dns":
            addr = "|".join(re.escape(a) for a in c["addresses"]) or ".*"
            modules[f"dns_{module_key(c['name'])}"] = {"prober": "dns", "timeout": timeout, "dns": dict(
                ip4, query_name=c["name"], query_type="A", transport_protocol="udp", valid_rcodes=["NOERROR"],
                validate_answer_rrs={"fail_if_none_matches_regexp": [rf".*\t({addr})$"]})}
        elif c["kind"] == "http_redirect":
            modules[f"redirect_{module_key(c['name'])}"] = {"prober": "http", "timeout": timeout, "http": dict(
                ip4, valid_status_codes=[301], no_follow_redirects=True, headers={"Host": c["name"]},
                fail_if_header_not_matches=[{"header": "Location",
                                             "regexp": f"^https://{re.escape(c['name'])}/"}])}
        elif c["kind"] == "http":
            statuses = c.get("statuses") or [200]
            http = dict(ip4, valid_status_codes=statuses, headers={"Host": c["name"]} if c["name"] else {},
                        tls_config={"ca_file": root_pem_path, "server_name": c["name"]} if c["name"] else {})
            if c["path"].endswith("/testall"):
                http["fail_if_body_not_matches_regexp"] = ["^OK$"]  # the box reads /testall's body too
            if c.get("login"):
                http["basic_auth"] = {"username": c["login"][0], "password": c["login"][1]}
            modules[http_module(c)] = {"prober": "http", "timeout": timeout, "http": http}
    return {"modules": modules}


def blackbox_probes(checks):
    """(module, target, expect_success) per probe (an http check of N samples is N probes);
    None for a check it has no prober for."""
    out = []
    for c in checks:
        kind, hp = c["kind"], f"{c['host']}:{c['port']}"
        if kind == "tls_cert":
            out.append((f"tls_{module_key(c['name'])}", hp, True))
        elif kind == "dns":
            out.append((f"dns_{module_key(c['name'])}", hp, True))
        elif kind == "tcp":
            out.append(("tcp_connect", hp, True))
        elif kind == "tcp_closed":
            # The exporter has no "expect closed": the probe runs and reports failure,
            # which the alert rule would then invert. Same work either way.
            out.append(("tcp_connect", hp, False))
        elif kind == "http_redirect":
            out.append((f"redirect_{module_key(c['name'])}", f"http://{hp}{c['path']}", True))
        elif kind == "http":
            for _ in range(c["samples"]):
                out.append((http_module(c), f"{c['scheme']}://{hp}{c['path']}", True))
        elif kind == "smtp":
            out.append(("smtp_starttls", hp, True))
        else:
            out.append(None)  # ntp: blackbox_exporter has no NTP prober
    return out


# --- monitoring-plugins ------------------------------------------------------------------
def plugin_commands(checks, root_pem_path, cert_tool="check_ssl_cert"):
    """(label, argv, expected exit) per check. cert_tool: check_ssl_cert (nagios-plugins-contrib,
    the full certificate check) or check_http (monitoring-plugins' -C expiry check only)."""
    p = lambda tool: os.path.join(PLUGINS, tool)  # noqa: E731
    out = []
    for c in checks:
        kind, host, port, name = c["kind"], c["host"], str(c["port"]), c.get("name")
        if kind == "tls_cert" and cert_tool == "check_ssl_cert":
            # No OCSP/CRL/SCT: the lab's CA has no responders, and nothing may leave 127.0.0.1.
            out.append(("check_ssl_cert", [p("check_ssl_cert"), "-H", host, "-p", port, "--sni", name,
                                           "-m", name, "-r", root_pem_path, "--ignore-ocsp", "--ignore-sct",
                                           "-w", "30", "-c", "14"], 0))
        elif kind == "tls_cert":
            out.append(("check_http -C", [p("check_http"), "-H", name, "-I", host, "-p", port, "--ssl",
                                          "--sni", "-C", "30,14"], 0))
        elif kind == "dns":
            out.append(("check_dig", [p("check_dig"), "-H", host, "-p", port, "-l", name,
                                      "-a", ",".join(c["addresses"]) or "10.0.2.2"], 0))
        elif kind == "tcp":
            out.append(("check_tcp", [p("check_tcp"), "-H", host, "-p", port], 0))
        elif kind == "tcp_closed":
            out.append(("check_tcp", [p("check_tcp"), "-H", host, "-p", port, "-r", "ok"], 0))
        elif kind == "http_redirect":
            out.append(("check_http", [p("check_http"), "-I", host, "-p", port, "-H", name, "-u", c["path"],
                                       "-e", "301", "-d", f"Location: https://{name}/"], 0))
        elif kind == "http":
            for _ in range(c["samples"]):
                argv = [p("check_http"), "-I", host, "-p", port, "-u", c["path"], "-s", "OK"]
                if c["scheme"] == "https":
                    argv += ["-H", name, "--ssl", "--sni"]
                out.append(("check_http", argv, 0))
        elif kind == "smtp":
            # check_smtp authenticates with LOGIN only (the box uses PLAIN): the nearest equivalent.
            out.append(("check_smtp", [p("check_smtp"), "-H", host, "-p", port, "-S", "-A", "LOGIN",
                                       "-U", SMTP_USER, "-P", SMTP_PASSWORD], 0))
        elif kind == "ntp":
            out.append(("check_ntp_time", [p("check_ntp_time"), "-H", host, "-p", port], 0))
    return out
