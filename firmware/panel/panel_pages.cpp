// The LCD's pages: which exist (the first-boot password, the summary, each failing
// check by severity, each group in use, network, time, about), and what each, the
// menu and the dialogs show.
#include "core/civil_time.h"
#include "core/view.h"
#include "panel/panel.h"

#include <array>

namespace probebox::panel {
namespace {

constexpr const char* kMenuItems[] = {"Network settings", "Run all checks now", "Factory reset", "Web login code"};
static_assert(sizeof(kMenuItems) / sizeof(kMenuItems[0]) == Panel::kMenuCount, "a name for every menu item");
constexpr int kMenuRows = 3;  // under the title

void upper(TextBuffer& out, std::string_view s) {
  for (char c : s) out.append(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
}

void ip_text(TextBuffer& out, uint32_t ip) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.append_uint(ip >> shift & 255);
    if (shift > 0) out.append('.');
  }
}

void age_text(TextBuffer& out, int64_t us) {
  int64_t s = us / 1'000'000;
  if (s < 120) { out.append_int(s); out.append('s'); }
  else if (s < 7200) { out.append_int(s / 60); out.append('m'); }
  else if (s < 172800) { out.append_int(s / 3600); out.append('h'); }
  else { out.append_int(s / 86400); out.append('d'); }
}

}  // namespace

void Panel::set_row(int row, std::string_view text) {
  // Laid out in place and stored in one piece: the panel draws its rows ten times a
  // second, and a character at a time was most of the drawing's cost.
  std::array<char, hal::Lcd::kColumns> r;
  r.fill(' ');
  const size_t n = text.size() < r.size() ? text.size() : r.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    // The HD44780's ROM is ASCII for 0x20..0x7D only: anything else shows as '?'.
    r[i] = c >= 0x20 && c < 0x7E ? c : '?';
  }
  const std::string_view laid_out(r.data(), r.size());
  FixedText<hal::Lcd::kColumns>& stored = rows_[static_cast<size_t>(row)];
  if (stored.view() == laid_out) return;
  changed_ = true;
  stored.assign(laid_out);
}

void Panel::build_pages(const PanelInputs& in) {
  page_count_ = 0;
  if (in.initial_password != nullptr) pages_[page_count_++] = {PageKind::kPassword, 0};
  pages_[page_count_++] = {PageKind::kSummary, 0};
  const HealthModel& h = *in.health;
  // Failing checks, most severe first, then in config order.
  for (int sev = 3; sev >= 1; --sev) {
    for (uint16_t i = 0; i < h.check_count() && page_count_ < kMaxPages - 5 - kGroupCount - kMaxLintPages; ++i) {
      const CheckHealth& c = h.check(i);
      if (c.has_result && !c.maintenance && panel_severity(c.hard) == sev) pages_[page_count_++] = {PageKind::kFailing, i};
    }
  }
  for (uint16_t w = 0; w < in.config->warning_count && w < kMaxLintPages; ++w) pages_[page_count_++] = {PageKind::kLint, w};
  for (int g = 0; g < kGroupCount; ++g) {
    if (digest_.groups[static_cast<size_t>(g)].checks > 0) pages_[page_count_++] = {PageKind::kGroup, static_cast<uint16_t>(g)};
  }
  pages_[page_count_++] = {PageKind::kNetwork, 0};
  pages_[page_count_++] = {PageKind::kTime, 0};
  pages_[page_count_++] = {PageKind::kAbout, 0};
  if (in.tls_fingerprint != nullptr) pages_[page_count_++] = {PageKind::kHttps, 0};
  pages_password_ = in.initial_password != nullptr;
  pages_fingerprint_ = in.tls_fingerprint != nullptr;
}

int Panel::page_position() const {
  for (size_t i = 0; i < page_count_; ++i) {
    if (pages_[i] == current_) return static_cast<int>(i);
  }
  return -1;
}

void Panel::draw(const PanelInputs& in, int64_t now_us) {
  if (mode_ == Mode::kConfirmReset) {
    set_row(0, "FACTORY RESET");
    set_row(1, "Erase config and");
    set_row(2, "password, restart?");
    set_row(3, "OK=erase  BACK=keep");
    return;
  }
  if (mode_ == Mode::kLoginCode) {
    set_row(0, "WEB LOGIN CODE");
    set_row(1, login_code_.view());
    set_row(2, "once, within 10 min");
    set_row(3, "any button: hide");
    return;
  }
  if (mode_ == Mode::kMenu) {
    set_row(0, "MENU");
    // Three rows under the title: the list scrolls to keep the cursor in view.
    int first = menu_cursor_ < kMenuRows ? 0 : menu_cursor_ - kMenuRows + 1;
    for (int r = 0; r < kMenuRows; ++r) {
      int i = first + r;
      FixedText<24> line(menu_cursor_ == i ? "> " : "  ");
      line.append(kMenuItems[i]);
      set_row(r + 1, line.view());
    }
    return;
  }
  draw_page(current_, in, now_us);
}

void Panel::draw_page(const Page& p, const PanelInputs& in, int64_t now_us) {
  const HealthModel& h = *in.health;
  const Config& cfg = *in.config;
  FixedText<64> line;
  switch (p.kind) {
    case PageKind::kSummary: {
      std::string_view name = cfg.device_name.empty() ? std::string_view("probebox") : cfg.text(cfg.device_name);
      line.append(first(name, 10));
      while (line.size() < 11) line.append(' ');
      upper(line, outcome_name(digest_.overall));
      set_row(0, line.view());
      line.clear();
      {
        static constexpr std::string_view kNames[] = {"OK", " WA", " CR", " UN"};
        for (size_t k = 0; k < 4; ++k) {
          line.append(kNames[k]);
          line.append_uint(digest_.counts[k]);
        }
      }
      set_row(1, line.view());
      line.clear();
      if (digest_.in_maintenance > 0) {
        line.append_uint(digest_.in_maintenance);
        line.append(" in maintenance");
      } else {
        line.append(cfg.text(cfg.device_location));
      }
      set_row(2, line.view());
      line.clear();
      if (in.has_address) ip_text(line, in.address);
      else line.append("no address yet");
      set_row(3, line.view());
      return;
    }
    case PageKind::kFailing: {
      const CheckHealth& c = h.check(p.index);
      set_row(0, cfg.text(cfg.checks[p.index].id));
      line.clear();
      upper(line, outcome_name(c.hard));
      if (c.hard == Outcome::kCritical && !acked_.test(p.index)) line.append(" OK=ack");
      line.append(" ");
      age_text(line, now_us - c.hard_since_mono_us);
      set_row(1, line.view());
      // Two rows of summary; a longer one scrolls one character per step.
      std::string_view s = c.last.summary();
      size_t offset = 0;
      if (s.size() > 40) {
        size_t span = s.size() - 40 + 4;  // pause a few steps at the end before restarting
        offset = static_cast<size_t>((now_us - page_since_us_) / kScrollStepUs) % span;
        if (offset > s.size() - 40) offset = s.size() - 40;
      }
      std::string_view shown = after(s, offset);
      set_row(2, first(shown, shown.size() < 20 ? shown.size() : 20));
      set_row(3, shown.size() > 20 ? slice(shown, 20, 20) : std::string_view());
      return;
    }
    case PageKind::kGroup: {
      Group g = static_cast<Group>(p.index);
      line.clear();
      upper(line, group_name(g));
      set_row(0, line.view());
      const GroupDigest& d = digest_.groups[static_cast<size_t>(p.index)];
      line.clear();
      line.append_uint(d.checks);
      line.append(" checks, ");
      line.append_uint(d.bad);
      line.append(" bad");
      set_row(1, line.view());
      set_row(2, d.bad > 0 ? cfg.text(cfg.checks[d.worst_check].id) : std::string_view("all ok"));
      set_row(3, group_requirement(g));
      return;
    }
    case PageKind::kNetwork:
      set_row(0, "NETWORK");
      line.assign("IP ");
      if (in.has_address) ip_text(line, in.address);
      else line.append("-");
      set_row(1, line.view());
      line.assign("GW ");
      if (in.has_address) ip_text(line, in.gateway);
      else line.append("-");
      set_row(2, line.view());
      line.assign(in.dhcp ? "DHCP" : "static");
      line.append(in.link ? ", link up" : ", link DOWN");
      set_row(3, line.view());
      return;
    case PageKind::kTime:
      set_row(0, "TIME");
      line.clear();
      if (in.wall.valid) {
        append_iso8601(line, in.wall.unix_micros / 1'000'000);
        set_row(1, first(line.view(), 19));
      } else {
        set_row(1, "clock not set");
      }
      line.clear();
      if (in.has_ntp_offset) {
        line.append("NTP offset ");
        if (in.ntp_offset_us >= 0) line.append('+');
        line.append_fixed(static_cast<double>(in.ntp_offset_us) / 1000.0, 1);
        line.append("ms");
      } else {
        line.append("no NTP result yet");
      }
      set_row(2, line.view());
      set_row(3, in.wall.valid ? "synchronised" : "certs cannot be judged");
      return;
    case PageKind::kLint: {
      // The finding's path, then its words over two rows: enough to find it in the
      // UI, where it is shown whole next to the field.
      if (p.index >= cfg.warning_count) return;
      line.clear();
      line.append("CONFIG WARNING ");
      line.append_uint(p.index + 1u);
      line.append('/');
      line.append_uint(cfg.warning_count);
      set_row(0, line.view());
      set_row(1, cfg.warning_path(p.index));
      std::string_view words = cfg.warning_message(p.index);
      set_row(2, first(words, hal::Lcd::kColumns));
      set_row(3, after(words, hal::Lcd::kColumns));
      return;
    }
    case PageKind::kPassword:
      set_row(0, "FIRST BOOT");
      set_row(1, "web UI password:");
      set_row(2, in.initial_password);
      line.assign(in.tls_fingerprint != nullptr ? "https://" : "http://");
      if (in.has_address) ip_text(line, in.address);
      set_row(3, line.view());
      return;
    case PageKind::kHttps: {
      // The certificate's SHA-256, to compare with what the browser shows: 16 hex
      // digits a row, the first row labelled.
      std::string_view hex(in.tls_fingerprint);
      for (int row = 0; row < 4; ++row) {
        line.assign(row == 0 ? "TLS " : "    ");
        line.append(first(after(hex, static_cast<size_t>(row) * 16), 16));
        set_row(row, line.view());
      }
      return;
    }
    case PageKind::kAbout: {
      line.assign("probebox ");
      line.append(in.firmware_version);
      set_row(0, line.view());
      const uint64_t up = in.uptime_us > 0 ? static_cast<uint64_t>(in.uptime_us) / 1'000'000 : 0;
      line.assign("up ");
      line.append_uint(up / 86400);
      line.append("d ");
      append_hh_mm_ss(line, static_cast<uint32_t>(up % 86400));
      set_row(1, line.view());
      line.assign("config: ");
      line.append(in.config_source);
      set_row(2, line.view());
      set_row(3, "");
      return;
    }
  }
}

}  // namespace probebox::panel
