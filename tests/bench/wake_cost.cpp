// What one sleep and wake-up costs this machine in CPU, with no work at all: the
// price the simulator's loop (and socket_floor, and any client) pays for each of its
// voluntary context switches before it does anything (issue 20 item 4).
//
// Two kinds of wake-up, as the simulator's loop has them:
// - on a timer (between cycles, lwIP's clocks): it sleeps in epoll_wait with nothing
//   watched, for each gap given in milliseconds;
// - on a peer's answer (a cycle's exchanges): it sleeps in epoll_wait on a socket that
//   a child process writes one byte to every gap given in microseconds, as a lab
//   server's reply wakes the loop a fraction of a millisecond after the last one.
// Each a bounded number of times; the process CPU time (CLOCK_PROCESS_CPUTIME_ID, the
// child's excluded) is charged to the voluntary context switches it made. On bare
// metal that is a few microseconds; the build machines, virtual ones, charge more,
// and more after a longer sleep.
// Usage: wake_cost GAP_MS...            (each 1..100)
//        wake_cost --peer GAP_US...     (each 50..5000)
// Prints one JSON object: {"GAP": microseconds of CPU per wake-up, ...}.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int kMaxGapMs = 100;
constexpr int kBudgetMs = 2000;  // of sleep per gap: the whole run stays short
constexpr int kMaxWakes = 200;

double cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// CPU microseconds per wake-up after `gap_ms` asleep; negative when epoll fails.
double per_wake_us(int epoll_fd, int gap_ms) {
  const int wakes = std::min(kBudgetMs / gap_ms, kMaxWakes);
  epoll_event event{};
  epoll_wait(epoll_fd, &event, 1, gap_ms);  // the first sleep's page faults stay out
  const double start = cpu_us();
  for (int i = 0; i < wakes; ++i) {
    if (epoll_wait(epoll_fd, &event, 1, gap_ms) != 0) return -1;  // nothing is watched: only the timeout ends it
  }
  return (cpu_us() - start) / wakes;
}

constexpr int kMinPeerGapUs = 50;
constexpr int kMaxPeerGapUs = 5000;
constexpr int kPeerBudgetUs = 1'000'000;  // of the peer's spacing per gap
constexpr int kMaxPeerWakes = 2000;
constexpr int kWarmUpWakes = 20;

long voluntary_switches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_nvcsw;
}

// CPU microseconds per wake-up when a peer's byte ends each sleep, `gap_us` apart;
// negative when the set-up fails or the peer stops early.
double per_peer_wake_us(int gap_us) {
  const int wakes = std::min(kPeerBudgetUs / gap_us, kMaxPeerWakes);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
  const pid_t peer = fork();
  if (peer < 0) return -1;
  if (peer == 0) {
    // The peer: one byte every gap, a bounded number of times, then gone.
    close(pair[0]);
    const char byte = 1;
    for (int i = 0; i < wakes + kWarmUpWakes + 10; ++i) {
      timespec gap{0, static_cast<long>(gap_us) * 1000};
      nanosleep(&gap, nullptr);
      if (write(pair[1], &byte, 1) != 1) break;
    }
    _exit(0);
  }
  close(pair[1]);
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event watch{};
  watch.events = EPOLLIN;
  watch.data.fd = pair[0];
  double result = -1;
  if (epoll_fd >= 0 && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pair[0], &watch) == 0) {
    char bytes[256];
    int received = 0;
    double start = 0;
    long switches_at_start = 0;
    bool counting = false, ok = true;
    while (ok && received < wakes + kWarmUpWakes) {
      if (received >= kWarmUpWakes && !counting) {
        counting = true;  // the first wake-ups' page faults and cold caches stay out
        start = cpu_us();
        switches_at_start = voluntary_switches();
      }
      epoll_event event{};
      // Bounded: a peer that stopped writing ends the run, it does not hang it.
      ok = epoll_wait(epoll_fd, &event, 1, 1000) == 1;
      const ssize_t n = ok ? read(pair[0], bytes, sizeof bytes) : 0;
      ok = ok && n > 0;
      received += ok ? static_cast<int>(n) : 0;
    }
    const long switches = voluntary_switches() - switches_at_start;
    if (ok && switches > 0) result = (cpu_us() - start) / static_cast<double>(switches);
  }
  if (epoll_fd >= 0) close(epoll_fd);
  close(pair[0]);
  kill(peer, SIGKILL);
  waitpid(peer, nullptr, 0);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const bool by_peer = argc >= 2 && std::strcmp(argv[1], "--peer") == 0;
  const int first = by_peer ? 2 : 1;
  if (argc <= first) {
    std::fprintf(stderr, "usage: wake_cost GAP_MS... | wake_cost --peer GAP_US...\n");
    return 2;
  }
  const int low = by_peer ? kMinPeerGapUs : 1, high = by_peer ? kMaxPeerGapUs : kMaxGapMs;
  std::vector<int> gaps;
  for (int i = first; i < argc; ++i) {
    gaps.push_back(std::atoi(argv[i]));
    if (gaps.back() < low || gaps.back() > high) {
      std::fprintf(stderr, "wake_cost: a gap of %s is not in %d..%d\n", argv[i], low, high);
      return 2;
    }
  }
  const int epoll_fd = by_peer ? -1 : epoll_create1(EPOLL_CLOEXEC);
  if (!by_peer && epoll_fd < 0) {
    std::perror("wake_cost: epoll_create1");
    return 1;
  }
  std::printf("{");
  for (size_t i = 0; i < gaps.size(); ++i) {
    const double us = by_peer ? per_peer_wake_us(gaps[i]) : per_wake_us(epoll_fd, gaps[i]);
    if (us < 0) {
      std::fprintf(stderr, by_peer ? "wake_cost: the peer's bytes stopped or could not start\n"
                                   : "wake_cost: epoll_wait woke early\n");
      return 1;
    }
    std::printf("%s\"%d\": %.1f", i > 0 ? ", " : "", gaps[i], us);
  }
  std::printf("}\n");
  if (epoll_fd >= 0) close(epoll_fd);
  return 0;
}
