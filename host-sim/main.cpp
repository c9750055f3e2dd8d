// probebox-sim: the firmware on Linux (spec/cli.md). Everything OS-specific stays
// in this folder; firmware/ runs unchanged.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "app.h"
#include "lwip/timeouts.h"
#include "config/config_boot.h"
#include "config/config_store.h"
#include "config/flash_layout.h"
#include "file_flash.h"
#include "host_board.h"
#include "lab_reach.h"
#include "peak_rss.h"
#include "slirp_buffer_pool.h"
#include "net/tls_memory.h"
#include "lwip/ip4_addr.h"
#include "test_roots.h"
#include "sim_ethernet.h"
#include "terminal_panel.h"

namespace {

using probebox::App;

struct Options {
  std::string config_path;
  std::string flash_path = "probebox-flash.bin";
  bool flash_given = false;
  int http_port = 8080;
  // The box's HTTPS port 443 forwarded here; 0: HTTPS off (plain HTTP, no redirect).
  int https_port = 8443;
  int snmp_port = 0;
  std::string panel;
  bool once = false;
  bool store_only = false;
  std::string net = "slirp";
  std::string public_roots_pem;
  std::string report_out;  // --once: the requirements report is also written here
  probebox::sim::LabReach lab;  // --lab-net: lab networks a libslirp guest may reach
};

constexpr int kExitUnknown = App::kExitUnknown;
// --once gives up waiting for DHCP after this long: the network is the simulator's own.
constexpr int64_t kDhcpWaitUs = 15'000'000;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

void usage() {
  std::fprintf(stderr,
               "usage: probebox-sim [--config FILE] [--flash FILE] [--http-port N] [--https-port N] [--snmp-port N] "
               "[--panel ansi|json|none] [--once] [--store-only] [--net slirp|tap:IFNAME]\n"
               "                    [--public-roots-pem FILE]  (TEST ONLY: FILE's CAs replace the built-in public roots)\n"
               "                    [--report-out FILE]  (with --once: the requirements report, /api/report, into FILE)\n"
               "                    [--lab-net CIDR]...  (TEST ONLY, slirp: the box may reach this RFC 5737 network too;\n"
               "                                          only inside a lab's network namespace, with no default route)\n");
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "probebox-sim: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--config") {
      const char* v = value("--config");
      if (v == nullptr) return false;
      o.config_path = v;
    } else if (a == "--flash") {
      const char* v = value("--flash");
      if (v == nullptr) return false;
      o.flash_path = v;
      o.flash_given = true;
    } else if (a == "--http-port") {
      const char* v = value("--http-port");
      if (v == nullptr) return false;
      char* end = nullptr;
      long port = std::strtol(v, &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        std::fprintf(stderr, "probebox-sim: --http-port must be 0..65535\n");
        return false;
      }
      o.http_port = static_cast<int>(port);
    } else if (a == "--https-port") {
      const char* v = value("--https-port");
      if (v == nullptr) return false;
      char* end = nullptr;
      long port = std::strtol(v, &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        std::fprintf(stderr, "probebox-sim: --https-port must be 0..65535\n");
        return false;
      }
      o.https_port = static_cast<int>(port);
    } else if (a == "--snmp-port") {
      const char* v = value("--snmp-port");
      if (v == nullptr) return false;
      char* end = nullptr;
      long port = std::strtol(v, &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        std::fprintf(stderr, "probebox-sim: --snmp-port must be 0..65535\n");
        return false;
      }
      o.snmp_port = static_cast<int>(port);
    } else if (a == "--panel") {
      const char* v = value("--panel");
      if (v == nullptr) return false;
      o.panel = v;
      if (o.panel != "ansi" && o.panel != "json" && o.panel != "none") {
        std::fprintf(stderr, "probebox-sim: --panel must be ansi, json or none\n");
        return false;
      }
    } else if (a == "--net") {
      const char* v = value("--net");
      if (v == nullptr) return false;
      o.net = v;
    } else if (a == "--public-roots-pem") {
      const char* v = value("--public-roots-pem");
      if (v == nullptr) return false;
      o.public_roots_pem = v;
    } else if (a == "--report-out") {
      const char* v = value("--report-out");
      if (v == nullptr) return false;
      o.report_out = v;
    } else if (a == "--lab-net") {
      const char* v = value("--lab-net");
      if (v == nullptr) return false;
      probebox::sim::LabNet net;
      if (!probebox::sim::parse_lab_net(v, net)) {
        std::fprintf(stderr, "probebox-sim: --lab-net takes a /24 to /32 inside 192.0.2.0/24, 198.51.100.0/24 or "
                             "203.0.113.0/24 (RFC 5737), host bits zero; not %s\n", v);
        return false;
      }
      if (!o.lab.add(net)) {
        std::fprintf(stderr, "probebox-sim: --lab-net at most %zu times\n", probebox::sim::LabReach::kMaxNets);
        return false;
      }
    } else if (a == "--once") {
      o.once = true;
    } else if (a == "--store-only") {
      o.store_only = true;  // a host tool: validate the config, write it into the flash image, exit
    } else if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else {
      std::fprintf(stderr, "probebox-sim: unknown option %s\n", a.c_str());
      return false;
    }
  }
  return true;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// --public-roots-pem: a TEST set of "public" roots (sim/test_roots.h).
probebox::sim::TestRoots g_test_roots;

// Large firmware objects live in static storage, as on the board.
probebox::sim::HostClock g_clock;
probebox::sim::HostEntropy g_entropy;
probebox::sim::SimEthernet g_ethernet;
probebox::Config g_config;
probebox::ConfigErrors g_errors;
probebox::sim::TerminalButtons g_buttons;
// The panel's LEDs and LCD: Panel::render() drives them, as on a board.
probebox::sim::SimLeds g_leds;
probebox::sim::SimLcd g_lcd;
std::string g_flash_path;

// The panel's factory reset: erase the stored config, and stop; the next start is a
// new box (the simulator cannot power-cycle itself).
volatile sig_atomic_t g_factory_reset = 0;
void factory_reset_sim() {
  g_factory_reset = 1;
  g_stop = 1;
}

probebox::sim::FileFlash g_flash;
App g_app({g_clock, g_entropy, g_ethernet, &g_leds, &g_lcd, &g_buttons, factory_reset_sim, "flash", &g_flash});
// The --once result, printed whole (host memory: the board prints it a slice at a
// time); the firmware's web server streams and has no such buffer.
#ifndef PROBEBOX_RESPONSE_BYTES
#define PROBEBOX_RESPONSE_BYTES (96 * 1024)
#endif
probebox::FixedText<PROBEBOX_RESPONSE_BYTES> g_document;
probebox::BootConfig g_boot;

}  // namespace

int main(int argc, char** argv) {
  // libslirp's socket buffers come from slirp_buffer_pool.h; past its blocks they are
  // glibc's. glibc's dynamic mmap threshold would move such blocks onto the heap once
  // one has been freed, where their touched pages stay resident after the socket
  // closes; a fixed threshold keeps them mmapped and returned on close (bench peak
  // RSS 6.2 -> 5.1 MiB before the pool).
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  Options opt;
  if (!parse_args(argc, argv, opt) || !g_ethernet.select(opt.net)) {
    usage();
    return kExitUnknown;
  }
  if (!opt.lab.empty()) {
    // Checked before any frame can leave: the networks are documentation ranges,
    // which this machine's own network may well use.
    const char* refusal = g_ethernet.is_tap() ? "it is for libslirp (a TAP is the lab's own network)"
                                              : probebox::sim::lab_reach_refusal();
    if (refusal != nullptr) {
      std::fprintf(stderr, "probebox-sim: --lab-net refused: %s\n", refusal);
      return kExitUnknown;
    }
    g_ethernet.reach_lab(opt.lab);
  }
  // The panel defaults to ansi on a terminal; --once keeps stdout for its document.
  if (opt.panel.empty()) opt.panel = isatty(STDOUT_FILENO) && !opt.once ? "ansi" : "none";
  probebox::sim::PanelMode panel_mode = opt.once || opt.panel == "none" ? probebox::sim::PanelMode::kNone
                                        : opt.panel == "json"           ? probebox::sim::PanelMode::kJson
                                                                        : probebox::sim::PanelMode::kAnsi;
  if (!g_flash.open(opt.flash_path)) {
    std::fprintf(stderr, "probebox-sim: cannot open the flash image %s\n", opt.flash_path.c_str());
    return kExitUnknown;
  }
  probebox::ConfigStore store(g_flash, probebox::flash_layout::kConfigSlotSectors,
                              probebox::flash_layout::kConfigFirstSector);
  g_flash_path = opt.flash_path;
  std::string given;
  // What the box runs on: the stored slot where it lies in the (mapped) flash file.
  std::string_view text;
  if (!opt.config_path.empty()) {
    if (!read_file(opt.config_path, given)) {
      std::fprintf(stderr, "probebox-sim: cannot read %s\n", opt.config_path.c_str());
      return kExitUnknown;
    }
    // Stored only when it differs, so a restart with the same file wears nothing.
    if (probebox::Status s = probebox::adopt_given_config(given, &store, g_config, g_errors, text); !s.ok()) {
      if (s.code() == probebox::StatusCode::kInvalidArgument) {
        probebox::FixedText<4096> msg;
        g_errors.render(msg);
        std::fprintf(stderr, "probebox-sim: %s: invalid config\n%s", opt.config_path.c_str(), msg.c_str());
      } else {
        std::fprintf(stderr, "probebox-sim: cannot store the config in %s\n", opt.flash_path.c_str());
      }
      return kExitUnknown;
    }
    if (opt.store_only) {
      std::fprintf(stderr, "probebox-sim: config stored in %s (sequence %u)\n", opt.flash_path.c_str(),
                   static_cast<unsigned>(store.sequence()));
      return 0;
    }
  } else {
    // The newest stored config that loads; an unusable newer one is passed over
    // (and said in the event log), with the factory config as the last resort.
    probebox::load_boot_config(store, text, g_config, g_errors, g_boot);
    if (!g_boot.note.empty()) std::fprintf(stderr, "probebox-sim: %s\n", g_boot.note.c_str());
    if (g_boot.source != probebox::BootConfig::Source::kFactory) {
      std::fprintf(stderr, "probebox-sim: config from %s (sequence %u)\n", opt.flash_path.c_str(),
                   static_cast<unsigned>(g_boot.sequence));
    }
  }

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  if (!g_ethernet.open(opt.once ? 0 : static_cast<uint16_t>(opt.http_port),
                       opt.once ? 0 : static_cast<uint16_t>(opt.snmp_port),
                       opt.once ? 0 : static_cast<uint16_t>(opt.https_port))) {
    return kExitUnknown;
  }
  if (!opt.public_roots_pem.empty()) {
    std::string pem;
    if (!read_file(opt.public_roots_pem, pem) || !g_test_roots.add_pem(pem)) {
      std::fprintf(stderr, "probebox-sim: --public-roots-pem %s: no certificate could be read\n",
                   opt.public_roots_pem.c_str());
      return kExitUnknown;
    }
    g_app.use_public_roots(g_test_roots.table("TEST SET (not Debian's public roots): " + opt.public_roots_pem));
  }
  // On a TAP the box is reached on its own address, so at its own port 443.
  g_app.set_https_ports(opt.https_port == 0 ? 0 : 443,
                        g_ethernet.is_tap() || opt.https_port == 0 ? 0 : static_cast<uint16_t>(opt.https_port));
  g_app.start(g_config, text, opt.once ? App::RunMode::kOnce : App::RunMode::kContinuous, g_boot.note.view());
  if (!opt.once) {
    // The console stands in for the LCD, which shows the same password.
    if (!g_app.initial_password().empty()) {
      std::fprintf(stderr, "probebox-sim: first-boot password (log in, then set your own): %.*s\n",
                   static_cast<int>(g_app.initial_password().size()), g_app.initial_password().data());
    }
  }

  if (panel_mode == probebox::sim::PanelMode::kAnsi) g_buttons.open();
  const int64_t began = g_clock.now();
  int64_t last_ansi_draw = 0;
  // The web UI line is a promise that the URL answers: it waits for the box's
  // address, since a connection forwarded before DHCP is done waits out slirp's
  // SYN retransmission (seconds) and looks like a hung box.
  bool web_ui_announced = false;
  bool dhcp_late_reported = false;
  while (!g_stop) {
    // Sleep in poll() until a frame, a host socket or App::idle_wait_us (the next lwIP
    // timer, the busy pace while work is under way, else the box's next deadline),
    // the simulator's WFI. A panel someone watches also wakes it for its next step
    // (App::panel_wait_us; a key on the terminal is read then); --once keeps a short
    // wait because its wall time is a figure.
    int wait_ms = 5;
    if (!opt.once) {
      // Rounded up: waking a little early would only find nothing due yet.
      const int64_t now = g_clock.now();
      int64_t wait_us = g_app.idle_wait_us(now);
      if (panel_mode != probebox::sim::PanelMode::kNone) wait_us = std::min(wait_us, g_app.panel_wait_us(now));
      wait_ms = static_cast<int>((wait_us + 999) / 1000);
    } else {
      u32_t lwip_ms = sys_timeouts_sleeptime();
      if (lwip_ms < static_cast<u32_t>(wait_ms)) wait_ms = static_cast<int>(lwip_ms);
    }
    if (g_app.wants_step_now()) wait_ms = 0;  // a login's check continues next step
    g_ethernet.run_io(wait_ms);
    g_buttons.poll(g_clock.now());
    if (g_buttons.quit_requested()) break;
    g_app.step();
    int64_t now = g_clock.now();
    if (panel_mode == probebox::sim::PanelMode::kJson && g_app.panel().take_changed()) {
      probebox::sim::write_panel_json(stdout, g_app.panel(), now);
    } else if (panel_mode == probebox::sim::PanelMode::kAnsi &&
               (g_app.panel().take_changed() || now - last_ansi_draw > 250'000)) {
      last_ansi_draw = now;  // redrawn a few times a second for blinking
      probebox::sim::draw_panel_ansi(stdout, g_app.panel(), g_leds, g_lcd);
    }
    const bool dhcp_overdue = !g_app.network_ready() && now - began > kDhcpWaitUs;
    if (opt.once) {
      if (g_app.once_complete()) break;
      if (dhcp_overdue) {
        std::fprintf(stderr, "probebox-sim: no address from DHCP within %lld s\n",
                     static_cast<long long>(kDhcpWaitUs / 1'000'000));
        return kExitUnknown;
      }
    } else if (!web_ui_announced && g_app.network_ready()) {
      web_ui_announced = true;
      if (g_ethernet.is_tap()) {
        // No forwarding on a TAP: the box answers on its own address, on the lab's segment.
        char address[IP4ADDR_STRLEN_MAX];
        ip4_addr_t a = g_app.netif().address();
        ip4addr_ntoa_r(&a, address, sizeof(address));
        std::fprintf(stderr, "probebox-sim: web UI and API on %s://%s/ (on %s)\n",
                     opt.https_port != 0 ? "https" : "http", address, g_ethernet.tap_name().c_str());
      } else if (opt.https_port != 0) {
        std::fprintf(stderr, "probebox-sim: web UI and API on https://127.0.0.1:%d/ (http://127.0.0.1:%d/ redirects)\n",
                     opt.https_port, opt.http_port);
      } else {
        std::fprintf(stderr, "probebox-sim: web UI and API on http://127.0.0.1:%d/\n", opt.http_port);
      }
    } else if (!web_ui_announced && dhcp_overdue && !dhcp_late_reported) {
      dhcp_late_reported = true;
      std::fprintf(stderr, "probebox-sim: no address from DHCP within %lld s; still waiting\n",
                   static_cast<long long>(kDhcpWaitUs / 1'000'000));
    }
  }
  if (g_factory_reset) {
    bool erased = true;
    for (size_t sector = 0; sector < probebox::flash_layout::kUsedSectors; ++sector) {
      erased = erased && g_flash.erase(sector) == hal::FlashStore::Result::kOk;
    }
    std::fprintf(stderr, "probebox-sim: factory reset: %s %s; restart to continue\n",
                 erased ? "config erased from" : "could not erase", opt.flash_path.c_str());
    return erased ? 0 : kExitUnknown;
  }
  if (g_ethernet.dropped_by_guard() > 0) {
    std::fprintf(stderr, "probebox-sim: egress guard dropped %llu frame(s) not addressed to %s\n",
                 static_cast<unsigned long long>(g_ethernet.dropped_by_guard()),
                 g_ethernet.is_tap() ? "the lab ranges" : "10.0.2.2");
  }
  if (!opt.once) return 0;
  const int64_t cycle_ended = g_clock.now();
  // Written before the figures line, so the peak resident set includes it.
  const int exit_code = g_app.write_once_result(g_document, cycle_ended);
  // One line of figures for benchmarks; stdout stays the result document alone.
  std::fprintf(stderr,
               "probebox-sim: cycle checks=%u wall_ms=%.1f max_in_flight=%d boot_to_ready_ms=%.1f "
               "frames_in=%llu frames_out=%llu rx_dropped_queue_full=%llu rx_dropped_no_pbuf=%u "
               "tls_arena_high_water=%zu tls_arena_in_use=%zu tls_client_high_water=%zu tls_server_high_water=%zu "
               "tls_shared_high_water=%zu tls_sessions_resumed=%u peak_rss_kib=%ld busy_ms=%.1f "
               "slirp_buffers_pooled=%zu slirp_buffers_pooled_peak=%zu\n",
               g_app.config().check_count, (cycle_ended - g_app.checks_started_at()) / 1000.0,
               g_app.scheduler().max_in_flight_seen(), (g_app.checks_started_at() - began) / 1000.0,
               static_cast<unsigned long long>(g_ethernet.frames_in()),
               static_cast<unsigned long long>(g_ethernet.frames_out()),
               static_cast<unsigned long long>(g_ethernet.dropped_rx_full()), g_app.netif().frames_dropped_no_pbuf(),
               probebox::net::tls_memory_stats().high_water, probebox::net::tls_memory_stats().in_use,
               probebox::net::tls_memory_stats().pools[static_cast<int>(probebox::net::TlsPool::kClient)].high_water,
               probebox::net::tls_memory_stats().pools[static_cast<int>(probebox::net::TlsPool::kServer)].high_water,
               probebox::net::tls_memory_stats().pools[static_cast<int>(probebox::net::TlsPool::kShared)].high_water,
               static_cast<unsigned>(g_app.scheduler().sessions() != nullptr ? g_app.scheduler().sessions()->hits() : 0),
               probebox::sim::peak_rss_kib(), g_app.busy_us() / 1000.0,
               probebox::sim::slirp_buffer_pool().taken_total(), probebox::sim::slirp_buffer_pool().peak_in_use());

  if (g_document.overflowed()) {
    std::fprintf(stderr, "probebox-sim: result document larger than %u bytes\n",
                 static_cast<unsigned>(g_document.capacity()));
    return kExitUnknown;
  }
  std::printf("%s\n", g_document.c_str());
  if (!opt.report_out.empty()) {
    // The document buffer is free again: the report takes its place.
    g_document.clear();
    g_app.write_once_report(g_document, cycle_ended);
    FILE* f = std::fopen(opt.report_out.c_str(), "w");
    bool written = f != nullptr && !g_document.overflowed() &&
                   std::fwrite(g_document.c_str(), 1, g_document.size(), f) == g_document.size();
    if (f != nullptr) std::fclose(f);
    if (!written) {
      std::fprintf(stderr, "probebox-sim: --report-out %s: the report could not be written\n", opt.report_out.c_str());
      return kExitUnknown;
    }
  }
  return exit_code;
}
