#include "epoll_watch.h"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace probebox::sim {
namespace {

// epoll's event bits are poll(2)'s (both are the kernel's POLL* values), so the
// interest passes through as it is, masked to what each side may carry.
static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLPRI == POLLPRI && EPOLLERR == POLLERR &&
              EPOLLHUP == POLLHUP);
constexpr uint32_t kInterest = EPOLLIN | EPOLLOUT | EPOLLPRI;
constexpr uint32_t kReported = kInterest | EPOLLERR | EPOLLHUP;

uint32_t to_epoll(short events) { return static_cast<uint16_t>(events) & kInterest; }
short from_epoll(uint32_t events) { return static_cast<short>(events & kReported); }

}  // namespace

EpollWatch::EpollWatch() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {}

EpollWatch::~EpollWatch() {
  if (epfd_ >= 0) close(epfd_);
}

EpollWatch::Slot& EpollWatch::slot(int fd) {
  if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(static_cast<size_t>(fd) + 1);
  return slots_[static_cast<size_t>(fd)];
}

void EpollWatch::begin() {
  ++turn_;
  this_turn_.clear();
}

int EpollWatch::want(int fd, short events) {
  if (fd < 0) return -1;
  Slot& s = slot(fd);
  // libslirp may name a socket twice in a turn (never seen, but poll(2) would OR them).
  s.wanted = s.turn == turn_ ? static_cast<short>(s.wanted | events) : events;
  if (s.turn != turn_) this_turn_.push_back(fd);
  s.turn = turn_;
  return fd;
}

void EpollWatch::sync(int fd, Slot& s) {
  if (s.registered && s.in_kernel == s.wanted) return;
  epoll_event ev{};
  ev.events = to_epoll(s.wanted);
  ev.data.fd = fd;
  int rc = epoll_ctl(epfd_, s.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
  ++set_changes_;
  // Closed behind our back (the kernel dropped it) and the number reused: add it anew.
  if (rc != 0 && errno == ENOENT) {
    rc = epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    ++set_changes_;
  }
  if (rc != 0 && errno == EEXIST) {
    rc = epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
    ++set_changes_;
  }
  if (rc != 0) return;  // not a pollable descriptor: it simply never reports
  if (!s.registered) registered_.push_back(fd);
  s.registered = true;
  s.in_kernel = s.wanted;
}

void EpollWatch::drop(int fd, Slot& s) {
  if (!s.registered) return;
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT/EBADF after a close: nothing to do
  ++set_changes_;
  s.registered = false;
  s.in_kernel = 0;
}

void EpollWatch::forget(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size()) return;
  Slot& s = slots_[static_cast<size_t>(fd)];
  // Called right before the socket is closed, and close takes a socket out of every
  // epoll set by itself: no EPOLL_CTL_DEL, one system call less per connection. If
  // the socket stayed open after all, wait() removes it at its first report.
  std::erase(registered_, fd);
  s = Slot{};
}

int EpollWatch::wait(int timeout_ms) {
  for (int fd : ready_) {
    if (static_cast<size_t>(fd) < slots_.size()) slots_[static_cast<size_t>(fd)].revents = 0;
  }
  ready_.clear();
  // Not wanted this turn (libslirp has no room to read, or is done writing): out of
  // the set, as poll(2) would not have been asked about it.
  std::erase_if(registered_, [this](int fd) {
    Slot& s = slots_[static_cast<size_t>(fd)];
    if (s.turn == turn_) return false;
    drop(fd, s);
    return true;
  });
  for (int fd : this_turn_) sync(fd, slots_[static_cast<size_t>(fd)]);
  std::array<epoll_event, 64> events;
  int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : -1;
  int reported = 0;
  for (int i = 0; i < n; ++i) {
    int fd = events[static_cast<size_t>(i)].data.fd;
    if (fd < 0 || static_cast<size_t>(fd) >= slots_.size()) continue;
    Slot& s = slots_[static_cast<size_t>(fd)];
    if (!s.registered) {
      // Forgotten yet still open (forget() left it in the kernel's set): out now.
      epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
      ++set_changes_;
      continue;
    }
    s.revents = from_epoll(events[static_cast<size_t>(i)].events);
    ready_.push_back(fd);
    ++reported;
  }
  return reported;
}

short EpollWatch::revents(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size()) return 0;
  return slots_[static_cast<size_t>(fd)].revents;
}

}  // namespace probebox::sim
