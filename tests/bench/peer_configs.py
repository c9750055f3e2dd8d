"""What the peers run for one full appliance cycle: the blackbox_exporter config and
probe list, and the monitoring-plugins command lines, both derived from the same
config the simulator gets, so each tool does the same checks. Every target is
127.0.0.1 (the simulator reaches the same servers as 10.0.2.2).
"""
import base64
import json
import os

LOOPBACK = "127.0.0.1"
PLUGINS = "/usr/lib/nagios/plugins"
SMTP_USER, SMTP_PASSWORD = "probe", "secret"


def demo_config(repo, lab):
    """tests/lab/demo-config.json with the lab's ports (the lab runs on a free base port,
    not the demo's fixed ones, so it never collides with someone's demo) and the lab's
    SMTP relay added to the profile, as tests/system/test_qemu_image.py does."""
    with open(os.path.join(repo, "tests", "lab", "demo-config.json")) as f:
        doc = json.load(f)
    doc["trust_anchors_pem"] = lab["tls"]["root_pem"]
    dns = f"10.0.2.2:{lab['dns']}"
    ntp = f"10.0.2.2:{lab['sntp']}"
    doc["network"]["dns"], doc["network"]["ntp"] = [dns], [ntp]
    app = doc["appliance"]
    app["ports"] = {"https": lab["tls"]["scenarios"]["good"]["port"], "http": lab["testall"], "mesh": lab["mesh"]}
    app["resolvers"], app["ntp"] = [dns], [ntp]
    app["isolated_from"] = [f"10.0.2.2:{lab['isolated']}"]
    app["smtp"] = {"host": "10.0.2.2", "port": lab["smtp"]["ok"]["port"], "server_name": "relay.lab.test",
                   "username": SMTP_USER,
                   "password": SMTP_PASSWORD}
    return doc


def host_names(doc):
    names = doc["appliance"]["domain_names"]
    return [names["dashboard"], names["root_tenant_authority"], names["webtask"]] + list(names["app_tenants"])


def host_port(target):
    host, port = target.rsplit(":", 1)
    return (LOOPBACK if host == "10.0.2.2" else host), int(port)


def checks_from(doc):
    """The appliance profile's checks as (type, name, host, port): the same list the
    simulator expands (asserted against its --once document by the caller)."""
    app = doc["appliance"]
    ports = app["ports"]
    out = []
    for name in host_names(doc):
        out.append(("tls_cert", name, LOOPBACK, ports["https"]))
    for resolver in app["resolvers"]:
        h, p = host_port(resolver)
        for name in host_names(doc):
            out.append(("dns", name, h, p))
    for _node in app["nodes"]:
        for port in ports["mesh"]:
            out.append(("tcp", None, LOOPBACK, port))
        out.append(("http", "/testall", LOOPBACK, ports["http"]))
    out.append(("tcp", None, LOOPBACK, ports["https"]))           # 443 on the load balancer
    out.append(("http", "/testall", LOOPBACK, ports["http"]))    # /testall through the load balancer
    out.append(("smtp", None, LOOPBACK, app["smtp"]["port"]))
    for server in app["ntp"]:
        h, p = host_port(server)
        out.append(("ntp", None, h, p))
    for target in app["isolated_from"]:
        h, p = host_port(target)
        out.append(("tcp_closed", None, h, p))
    return out


# --- blackbox_exporter ---------------------------------------------------------------
def module_key(name):
    return name.replace(".", "_")


def blackbox_config(doc, root_pem_path, timeout="3s"):
    """blackbox.yml as a dict (written as JSON, which is YAML). One dns and one tls module
    per host name: the exporter takes the query name and the SNI from the module."""
    ip4 = {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}
    auth = base64.b64encode(f"\0{SMTP_USER}\0{SMTP_PASSWORD}".encode()).decode()
    modules = {
        "tcp_connect": {"prober": "tcp", "timeout": timeout, "tcp": dict(ip4)},
        "http_2xx": {"prober": "http", "timeout": timeout,
                     "http": dict(ip4, valid_status_codes=[200], fail_if_body_not_matches_regexp=["^OK$"])},
        # The same conversation as the smtp probe: banner, EHLO, STARTTLS, EHLO, AUTH PLAIN, QUIT.
        "smtp_starttls": {"prober": "tcp", "timeout": timeout, "tcp": dict(
            ip4, tls_config={"ca_file": root_pem_path, "server_name": host_names(doc)[0]},
            query_response=[{"expect": "^220"}, {"send": "EHLO probe.lab.test"}, {"expect": "^250[ -]STARTTLS"},
                            {"send": "STARTTLS"}, {"expect": "^220"}, {"starttls": True},
                            {"send": "EHLO probe.lab.test"}, {"expect": "^250[ -]AUTH.*PLAIN"},
                            {"send": f"AUTH PLAIN {auth}"}, {"expect": "^235"},
                            {"send": "QUIT"}, {"expect": "^221"}])},
    }
    for name in host_names(doc):
        modules[f"tls_{module_key(name)}"] = {"prober": "tcp", "timeout": timeout, "tcp": dict(
            ip4, tls=True, tls_config={"ca_file": root_pem_path, "server_name": name})}
        modules[f"dns_{module_key(name)}"] = {"prober": "dns", "timeout": timeout, "dns": dict(
            ip4, query_name=name, query_type="A", transport_protocol="udp", valid_rcodes=["NOERROR"],
            validate_answer_rrs={"fail_if_none_matches_regexp": [r".*\t10\.0\.2\.2$"]})}
    return {"modules": modules}


def blackbox_probes(checks):
    """(module, target, expect_success) per check; None for a check it has no prober for."""
    out = []
    for kind, name, host, port in checks:
        if kind == "tls_cert":
            out.append((f"tls_{module_key(name)}", f"{host}:{port}", True))
        elif kind == "dns":
            out.append((f"dns_{module_key(name)}", f"{host}:{port}", True))
        elif kind == "tcp":
            out.append(("tcp_connect", f"{host}:{port}", True))
        elif kind == "tcp_closed":
            # The exporter has no "expect closed": the probe runs and reports failure,
            # which the alert rule would then invert. Same work either way.
            out.append(("tcp_connect", f"{host}:{port}", False))
        elif kind == "http":
            out.append(("http_2xx", f"http://{host}:{port}{name}", True))
        elif kind == "smtp":
            out.append(("smtp_starttls", f"{host}:{port}", True))
        else:
            out.append(None)  # ntp: blackbox_exporter has no NTP prober
    return out


# --- monitoring-plugins ------------------------------------------------------------------
def plugin_commands(checks, root_pem_path, cert_tool="check_ssl_cert"):
    """(label, argv, expected exit) per check. cert_tool: check_ssl_cert (nagios-plugins-contrib,
    the full certificate check) or check_http (monitoring-plugins' -C expiry check only)."""
    p = lambda tool: os.path.join(PLUGINS, tool)  # noqa: E731
    out = []
    for kind, name, host, port in checks:
        if kind == "tls_cert" and cert_tool == "check_ssl_cert":
            # No OCSP/CRL/SCT: the lab's CA has no responders, and nothing may leave 127.0.0.1.
            out.append(("check_ssl_cert", [p("check_ssl_cert"), "-H", host, "-p", str(port), "--sni", name,
                                           "-m", name, "-r", root_pem_path, "--ignore-ocsp", "--ignore-sct",
                                           "-w", "30", "-c", "14"], 0))
        elif kind == "tls_cert":
            out.append(("check_http -C", [p("check_http"), "-H", name, "-I", host, "-p", str(port), "--ssl",
                                          "--sni", "-C", "30,14"], 0))
        elif kind == "dns":
            out.append(("check_dig", [p("check_dig"), "-H", host, "-p", str(port), "-l", name,
                                      "-a", "10.0.2.2"], 0))
        elif kind == "tcp":
            out.append(("check_tcp", [p("check_tcp"), "-H", host, "-p", str(port)], 0))
        elif kind == "tcp_closed":
            out.append(("check_tcp", [p("check_tcp"), "-H", host, "-p", str(port), "-r", "ok"], 0))
        elif kind == "http":
            out.append(("check_http", [p("check_http"), "-I", host, "-p", str(port), "-u", name, "-s", "OK"], 0))
        elif kind == "smtp":
            # check_smtp authenticates with LOGIN only (the box uses PLAIN): the nearest equivalent.
            out.append(("check_smtp", [p("check_smtp"), "-H", host, "-p", str(port), "-S", "-A", "LOGIN",
                                       "-U", SMTP_USER, "-P", SMTP_PASSWORD], 0))
        elif kind == "ntp":
            out.append(("check_ntp_time", [p("check_ntp_time"), "-H", host, "-p", str(port)], 0))
    return out
