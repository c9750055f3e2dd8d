// The mps2-an386 composition root: constructs the board's hal objects statically,
// reads the config, wires them into firmware::App and runs the main loop.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "app.h"
#include "board_config.h"
#include "board_hooks.h"
#include "board_panel.h"
#include "config/config_boot.h"
#include "config/config_store.h"
#include "config/flash_layout.h"
#include "core/static_object.h"
#include "lwip/stats.h"
#include "net/tls_memory.h"
#include "semihosting_flash.h"
#include "cmsdk_uart.h"
#include "cmsdk_watchdog.h"
#include "fault_record.h"
#include "lan9118.h"
#include "net/platform_hooks.h"
#include "semihosting.h"
#include "stack_guard.h"
#include "systick_clock.h"
#include "weak_entropy.h"

namespace {

board::CmsdkUart g_console(board::kUart0Base);
board::CmsdkWatchdog g_watchdog(board::kWatchdogBase);
// The longest a pass of the main loop may take before the watchdog stops the box. The
// longest pass of work is a full TLS handshake, 171 ms on the Cortex-M4 at 168 MHz
// (docs/performance.md). The longest blocking one is a config upload's first step,
// which erases up to a slot's 18 sectors of 4 KiB (config/flash_layout.h): 7.2 s at a
// NOR flash's worst 400 ms a sector. 16 s is twice that, and a stuck box restarts
// within about half of a cycle at the spec's 30 s interval (the NMI reports and resets;
// the watchdog's own reset line follows at 32 s should the report hang).
constexpr uint32_t kWatchdogTimeoutMs = 16000;
board::CmsdkUart g_lcd_uart(board::kUart1Base);
board::SysTickClock g_clock;
board::WeakEntropy g_entropy;
// It carries default member initialisers: StaticObject keeps its image out of flash.
probebox::StaticObject<board::Lan9118> g_ethernet_storage;
board::Lan9118& g_ethernet = g_ethernet_storage.get();
board::BoardLeds g_leds;
board::UartLcd g_lcd(g_lcd_uart);
board::UartButtons g_buttons(g_console, g_clock);
board::SemihostingFlash g_flash;
bool g_have_flash = false;
probebox::BootConfig g_boot;

[[noreturn]] void stop(int code);

void factory_reset_board() {
  // Config, admin password and events: the box comes back as it left the factory.
  // Every sector the layout uses, more than a pass may take: fed between sectors.
  for (size_t sector = 0; g_have_flash && sector < probebox::flash_layout::kUsedSectors; ++sector) {
    g_watchdog.feed();
    g_flash.erase(sector);
  }
  g_console.write("probebox: factory reset, restarting\n");
  stop(0);
}

probebox::App g_app({g_clock, g_entropy, g_ethernet, &g_leds, &g_lcd, &g_buttons, factory_reset_board, "flash",
                     &g_flash});
// The boot config is parsed straight into the App's own model (boot_config()) from
// where it lies in the memory-mapped flash: neither the board nor the App keeps a
// copy of its text (a file given with --config goes through the store too).
// The --once result goes to the console a slice at a time, each slice rendered
// again (the finished cycle's state does not change): no whole-document buffer.
char g_result_slice[1024 + 1];
bool g_semihosting = false;

constexpr int kExitUnknown = probebox::App::kExitUnknown;
constexpr int64_t kDhcpWaitUs = 20'000'000;

void log_line(const char* text) {
  g_console.write(text);
  g_console.write("\n");
}

[[noreturn]] void stop(int code) {
  if (g_semihosting) board::semihosting::exit(code);
  // On hardware: reset through the AIRCR.
  *reinterpret_cast<volatile uint32_t*>(0xE000ED0C) = 0x05FA0004;
  for (;;) {
  }
}

// "--config PATH" and "--once" from QEMU's -append.
struct BootArgs {
  const char* config_path = nullptr;
  const char* flash_path = nullptr;
  bool once = false;
};

// Splits in place at spaces; returns the next word or nullptr.
char* next_word(char*& cursor) {
  while (*cursor == ' ') ++cursor;
  if (*cursor == '\0') return nullptr;
  char* word = cursor;
  while (*cursor != '\0' && *cursor != ' ') ++cursor;
  if (*cursor == ' ') *cursor++ = '\0';
  return word;
}

BootArgs parse_boot_args(char* cmdline) {
  BootArgs args;
  char* cursor = cmdline;
  for (char* word = next_word(cursor); word != nullptr; word = next_word(cursor)) {
    if (std::strcmp(word, "--once") == 0) args.once = true;
    else if (std::strcmp(word, "--config") == 0) args.config_path = next_word(cursor);
    else if (std::strcmp(word, "--flash") == 0) args.flash_path = next_word(cursor);
  }
  return args;
}

std::string_view g_config_text;

// A config file on the host, read a piece at a time through semihosting.
class SemihostingFile final : public probebox::ConfigSource {
 public:
  explicit SemihostingFile(int handle) : handle_(handle) {}
  bool read(size_t offset, std::span<char> out) override {
    return board::semihosting::seek(handle_, offset) &&
           board::semihosting::read(handle_, out.data(), out.size()) == static_cast<long>(out.size());
  }

 private:
  int handle_;
};

// A config file named on the command line: written into the flash's free config
// slot a piece at a time (no RAM copy), validated there, and made the newest when it
// differs from the stored one. Without a --flash file the flash is volatile.
bool load_config(const char* path, probebox::ConfigStore& store) {
  int handle = board::semihosting::open(path, false);
  if (handle < 0) {
    log_line("probebox: cannot open the config file");
    return false;
  }
  long length = board::semihosting::file_length(handle);
  if (length < 0 || length > PROBEBOX_MAX_CONFIG_BYTES) {
    board::semihosting::close(handle);
    log_line("probebox: config file missing or larger than 64 KiB");
    return false;
  }
  SemihostingFile file(handle);
  probebox::Status s = probebox::adopt_given_config(file, static_cast<size_t>(length), store, g_app.boot_config(),
                                                    g_app.boot_errors(), g_config_text);
  board::semihosting::close(handle);
  if (s.code() == probebox::StatusCode::kInvalidArgument) {
    probebox::FixedText<2048> msg;
    g_app.boot_errors().render(msg);
    log_line("probebox: invalid config");
    g_console.write(msg.view());
    return false;
  }
  if (!s.ok()) {
    log_line("probebox: could not read or store the config");
    return false;
  }
  return true;
}

}  // namespace

extern "C" void SysTick_Handler() { g_clock.on_tick(); }
extern "C" void Lan9118_IRQHandler() {
  g_entropy.stir(*reinterpret_cast<volatile uint32_t*>(0xE000E018));
  g_ethernet.on_interrupt();
}

extern "C" void probebox_platform_log(const char* fmt, ...) {
  char line[160];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(line, sizeof(line), fmt, args);
  va_end(args);
  g_console.write(line);
}

extern "C" void probebox_platform_fatal(const char* what, const char* file, int line) {
  // The file's name without its build path: the restart record keeps 63 characters.
  const char* slash = std::strrchr(file, '/');
  probebox::FixedText<200> msg;
  msg.appendf("fatal: %s at %s:%d", what, slash != nullptr ? slash + 1 : file, line);
  board_fatal(msg.c_str());
}

extern "C" void board_fatal(const char* what) { board_fatal_with_frame(what, 0, nullptr); }

extern "C" void board_fatal_with_frame(const char* what, uint32_t ipsr, const uint32_t* frame) {
  asm volatile("cpsid i");
  probebox::FixedText<300> msg;
  msg.appendf("\n*** %s (exception %lu)", what, static_cast<unsigned long>(ipsr & 0x1FF));
  if (frame != nullptr) {
    uint32_t cfsr = *reinterpret_cast<volatile uint32_t*>(0xE000ED28);
    uint32_t bfar = *reinterpret_cast<volatile uint32_t*>(0xE000ED38);
    msg.appendf(" pc=%08lx lr=%08lx r0=%08lx r1=%08lx r2=%08lx r3=%08lx r12=%08lx xpsr=%08lx cfsr=%08lx bfar=%08lx",
                static_cast<unsigned long>(frame[6]), static_cast<unsigned long>(frame[5]),
                static_cast<unsigned long>(frame[0]), static_cast<unsigned long>(frame[1]),
                static_cast<unsigned long>(frame[2]), static_cast<unsigned long>(frame[3]),
                static_cast<unsigned long>(frame[4]), static_cast<unsigned long>(frame[7]),
                static_cast<unsigned long>(cfsr), static_cast<unsigned long>(bfar));
  }
  log_line(msg.c_str());
  board::fault_record::save(what, frame != nullptr ? frame[6] : 0);
  stop(70);
}

int main() {
  g_console.init();
  g_clock.init();
  log_line("probebox " PROBEBOX_VERSION " on mps2-an386 (Cortex-M4)");
  {
    probebox::FixedText<96> guard;
    if (board::stack_guard::enabled()) {
      guard.appendf("probebox: stack guard on: MPU region of %lu bytes at %08lx, under the stack",
                    static_cast<unsigned long>(board::stack_guard::kBytes),
                    static_cast<unsigned long>(board::stack_guard::guard_address()));
    } else {
      guard.append("probebox: stack guard off: this core has no MPU");
    }
    log_line(guard.c_str());
  }
  // Why the box stopped last time, if a fatal report said so before the reset.
  static char restarted_after[96];
  if (board::fault_record::take(restarted_after, sizeof(restarted_after))) {
    g_console.write("probebox: restarted after: ");
    log_line(restarted_after);
  } else {
    restarted_after[0] = '\0';
  }

  static char cmdline[256];
  g_semihosting = board::semihosting::command_line(cmdline, sizeof(cmdline));
  BootArgs args = parse_boot_args(cmdline);
  g_lcd_uart.init();
  if (args.flash_path != nullptr) g_have_flash = g_flash.open(args.flash_path);
  // No (readable) flash file: the same flash, volatile (changes last until the next start).
  if (!g_have_flash && !g_flash.open(nullptr)) {
    log_line("probebox: the flash region overlaps the image");
    stop(kExitUnknown);
  }
  probebox::ConfigStore store(g_flash, probebox::flash_layout::kConfigSlotSectors,
                              probebox::flash_layout::kConfigFirstSector);
  if (args.config_path != nullptr) {
    if (!load_config(args.config_path, store)) stop(kExitUnknown);
  } else {
    // The newest stored config that loads; an unusable newer one is passed over
    // (and said in the event log), with the factory config as the last resort.
    if (g_have_flash) {
      probebox::load_boot_config(store, g_config_text, g_app.boot_config(), g_app.boot_errors(), g_boot);
    } else {
      probebox::load_factory_config(g_config_text, g_app.boot_config(), g_app.boot_errors());
    }
    if (!g_boot.note.empty()) {
      g_console.write("probebox: ");
      log_line(g_boot.note.c_str());
    }
    log_line(g_boot.source != probebox::BootConfig::Source::kFactory ? "probebox: config from the flash image"
                                                                      : "probebox: no config in flash: factory config");
  }
  if (!g_ethernet.init(g_clock)) {
    log_line("probebox: LAN9118 not found");
    stop(kExitUnknown);
  }
  g_app.start(g_app.boot_config(), g_config_text,
              args.once ? probebox::App::RunMode::kOnce : probebox::App::RunMode::kContinuous, g_boot.note.view());
  g_app.report_restart(restarted_after);
  if (!g_app.initial_password().empty()) {
    // The LCD shows it too; the console is where a lab or a test reads it.
    g_console.write("probebox: first-boot password: ");
    log_line(g_app.initial_password().data());
  }

  g_watchdog.start(kWatchdogTimeoutMs, board::kSystemClockHz);
  {
    probebox::FixedText<64> line;
    line.appendf("probebox: watchdog on: %lu ms", static_cast<unsigned long>(kWatchdogTimeoutMs));
    log_line(line.c_str());
  }
  const int64_t began = g_clock.now();
  for (;;) {
    g_watchdog.feed();
    g_app.step();
    if (args.once) {
      if (g_app.once_complete()) break;
      if (!g_app.network_ready() && g_clock.now() - began > kDhcpWaitUs) {
        log_line("probebox: no address from DHCP");
        stop(kExitUnknown);
      }
    }
    if (args.once) {
      // --once: every tick, as its wall time is a figure.
      asm volatile("wfi");
      continue;
    }
    // Sleep through the 1 kHz ticks until a frame, a key on the console (the
    // buttons), App::idle_wait_us (lwIP's next timer or the box's own next deadline)
    // or the front panel's next step: debouncing needs 50 Hz only while the buttons
    // are in use (panel/panel_pace.h), and the panel shows nothing finer than 10 Hz.
    if (g_app.wants_step_now()) continue;
    const int64_t now = g_clock.now();
    int64_t wait_us = g_app.idle_wait_us(now);
    const int64_t panel_us = g_app.panel_wait_us(now);
    if (panel_us < wait_us) wait_us = panel_us;
    const uint32_t frames_seen = g_ethernet.interrupts();
    do {
      asm volatile("wfi");
    } while (g_ethernet.interrupts() == frames_seen && !g_buttons.key_waiting() && g_clock.now() - now < wait_us);
  }
  const int64_t cycle_ended = g_clock.now();
  int exit_code = kExitUnknown;
  g_console.write("RESULT ");
  for (size_t offset = 0;;) {
    probebox::SliceText slice(g_result_slice, sizeof(g_result_slice) - 1, offset);
    g_watchdog.feed();
    exit_code = g_app.write_once_result(slice, cycle_ended);
    g_console.write(slice.view());
    offset += slice.size();
    if (slice.empty() || offset >= slice.total()) break;
  }
  g_console.write("\n");
  probebox::FixedText<200> figures;
  // newlib-nano's printf has no 64-bit integers: those go through append_int.
  figures.appendf("probebox: cycle checks=%u wall_ms=", g_app.config().check_count);
  figures.append_int((cycle_ended - g_app.checks_started_at()) / 1000);
  figures.appendf(" max_in_flight=%d rx_irqs=%lu rx_dropped=%lu busy_us=", g_app.scheduler().max_in_flight_seen(),
                  static_cast<unsigned long>(g_ethernet.interrupts()),
                  static_cast<unsigned long>(g_ethernet.rx_dropped()));
  figures.append_int(g_app.busy_us());
  log_line(figures.c_str());
  // Frames stamped by the receive interrupt, and the longest one waited for the loop:
  // what a reply's latency would have read too long without its stamp.
  figures.clear();
  figures.appendf("probebox: rx stamped=%lu unstamped=%lu longest_wait_us=",
                  static_cast<unsigned long>(g_ethernet.rx_stamped()),
                  static_cast<unsigned long>(g_ethernet.rx_unstamped()));
  figures.append_int(g_ethernet.rx_longest_wait_us());
  log_line(figures.c_str());
  // The longest pass of the main loop by phase, and the scheduler's longest step with
  // its slowest call: how long the box's work can hold the loop (under -icount,
  // microseconds x 1000 are instructions).
  const probebox::LoopAnatomy& loop = g_app.loop_times()->longest;
  figures.clear();
  figures.append("probebox: longest pass loop_us=");
  figures.append_int(loop.total_us);
  for (int p = 0; p < probebox::LoopAnatomy::kPhases; ++p) {
    figures.append(' ');
    figures.append(probebox::LoopAnatomy::phase_name(static_cast<probebox::LoopAnatomy::Phase>(p)));
    figures.append("_us=");
    figures.append_int(loop.phase_us[static_cast<size_t>(p)]);
  }
  log_line(figures.c_str());
  const probebox::StepAnatomy& step = g_app.scheduler().step_times().longest();
  using Phase = probebox::StepAnatomy::Phase;
  figures.clear();
  figures.append("probebox: longest step step_us=");
  figures.append_int(step.total_us);
  for (Phase phase : {Phase::kPoll, Phase::kStart, Phase::kReport}) {
    const auto p = static_cast<size_t>(phase);
    figures.append(' ');
    figures.append(probebox::StepAnatomy::phase_name(phase));
    figures.append("_calls=");
    figures.append_int(step.calls[p]);
    figures.append(' ');
    figures.append(probebox::StepAnatomy::phase_name(phase));
    figures.append("_us=");
    figures.append_int(step.phase_us[p]);
  }
  figures.append(" slowest_us=");
  figures.append_int(step.slowest_us);
  figures.append(" slowest_check=");
  figures.append_int(step.slowest_check);
  figures.append(" slowest=");
  figures.append(probebox::StepAnatomy::phase_name(step.slowest_phase));
  figures.append('/');
  figures.append(probebox::check_type_name(step.slowest_type));
  log_line(figures.c_str());
  // Run-time high-water marks after a full cycle: what the pools and the arena needed.
  probebox::net::TlsMemoryStats tls = probebox::net::tls_memory_stats();
  figures.clear();
  figures.appendf("probebox: high-water tcp_pcb=%u/%u udp_pcb=%u/%u pbuf_pool=%u/%u lwip_heap=%lu/%lu tls_arena=%lu/%lu",
                  lwip_stats.memp[MEMP_TCP_PCB]->max, lwip_stats.memp[MEMP_TCP_PCB]->avail,
                  lwip_stats.memp[MEMP_UDP_PCB]->max, lwip_stats.memp[MEMP_UDP_PCB]->avail,
                  lwip_stats.memp[MEMP_PBUF_POOL]->max, lwip_stats.memp[MEMP_PBUF_POOL]->avail,
                  static_cast<unsigned long>(lwip_stats.mem.max), static_cast<unsigned long>(lwip_stats.mem.avail),
                  static_cast<unsigned long>(tls.high_water), static_cast<unsigned long>(tls.arena_bytes));
  log_line(figures.c_str());
  size_t stack_size = 0;
  size_t stack_used = probebox_platform_stack_high_water(&stack_size);
  figures.clear();
  figures.appendf("probebox: high-water stack=%lu/%lu tcp_seg=%u/%u", static_cast<unsigned long>(stack_used),
                  static_cast<unsigned long>(stack_size), lwip_stats.memp[MEMP_TCP_SEG]->max,
                  lwip_stats.memp[MEMP_TCP_SEG]->avail);
  for (int i = 0; i < probebox::net::kTlsPoolCount; ++i) {
    figures.appendf(" tls_%s=%lu/%lu", probebox::net::tls_pool_name(static_cast<probebox::net::TlsPool>(i)),
                    static_cast<unsigned long>(tls.pools[i].high_water), static_cast<unsigned long>(tls.pools[i].bytes));
  }
  log_line(figures.c_str());
  stop(exit_code);
}
