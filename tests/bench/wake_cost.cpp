// What one sleep and wake-up costs this machine in CPU, with no work at all: the
// price the simulator's loop (and socket_floor, and any client) pays for each of its
// voluntary context switches before it does anything (issue 20 item 4).
//
// It sleeps in epoll_wait, as the simulator's loop does, for each gap given, a
// bounded number of times, and charges the process CPU time (CLOCK_PROCESS_CPUTIME_ID)
// to the wake-ups. On bare metal that is a few microseconds; the build machines,
// virtual ones, charge tens, and more after a longer sleep.
// Usage: wake_cost GAP_MS...   (each 1..100)
// Prints one JSON object: {"GAP_MS": microseconds of CPU per wake-up, ...}.
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: wake_cost GAP_MS...\n");
    return 2;
  }
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    std::perror("wake_cost: epoll_create1");
    return 1;
  }
  std::vector<int> gaps_ms;
  for (int i = 1; i < argc; ++i) {
    gaps_ms.push_back(std::atoi(argv[i]));
    if (gaps_ms.back() < 1 || gaps_ms.back() > kMaxGapMs) {
      std::fprintf(stderr, "wake_cost: a gap of %s ms is not in 1..%d\n", argv[i], kMaxGapMs);
      return 2;
    }
  }
  std::printf("{");
  for (size_t i = 0; i < gaps_ms.size(); ++i) {
    const double us = per_wake_us(epoll_fd, gaps_ms[i]);
    if (us < 0) {
      std::fprintf(stderr, "wake_cost: epoll_wait woke early\n");
      return 1;
    }
    std::printf("%s\"%d\": %.1f", i > 0 ? ", " : "", gaps_ms[i], us);
  }
  std::printf("}\n");
  close(epoll_fd);
  return 0;
}
