// libslirp's per-turn poll interest kept in one epoll set, so that a turn of the
// simulator's loop costs the kernel the sockets that changed, not every socket.
//
// libslirp asks, every turn, for each host socket it wants watched (add_poll) and
// then for what each one reported (get_revents). With poll(2) the kernel walks
// every socket on every turn, on each of a steady cycle's wake-ups (the box's UDP
// flows, which libslirp held 240 s each, now go through udp_relay.h and close when
// answered). Here the interest is compared with what the epoll set already holds
// and only the differences reach the kernel; epoll_wait then returns only the
// sockets that are ready.
//
// A socket libslirp closes leaves the set in the kernel; forget() (libslirp's
// unregister_poll_fd, called before each close) drops it here too, so a later
// socket that reuses the number is registered afresh. forget() makes no kernel call:
// the close that follows it does the kernel's part.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace probebox::sim {

class EpollWatch {
 public:
  // poll(2)-style event bits (POLLIN, POLLOUT, POLLPRI in; POLLERR, POLLHUP out too).
  EpollWatch();
  ~EpollWatch();
  EpollWatch(const EpollWatch&) = delete;
  EpollWatch& operator=(const EpollWatch&) = delete;
  bool ok() const { return epfd_ >= 0; }

  // A turn: begin(), want() for every socket of interest, then wait().
  void begin();
  // Returns the index libslirp hands back to revents(): the descriptor itself.
  int want(int fd, short events);
  // Brings the kernel's set up to this turn's interest, then waits up to
  // timeout_ms for any of it. The number of ready sockets, or -1 on error.
  int wait(int timeout_ms);
  // What the socket reported in this turn's wait (0: nothing, or not watched).
  short revents(int fd) const;
  void forget(int fd);

  // Kernel calls made to change the set since construction (a test's figure).
  uint64_t set_changes() const { return set_changes_; }
  size_t watched() const { return registered_.size(); }

 private:
  struct Slot {
    short wanted = 0;
    short in_kernel = 0;
    short revents = 0;
    bool registered = false;
    uint32_t turn = 0;  // the last turn that wanted it
  };
  Slot& slot(int fd);
  void sync(int fd, Slot& s);
  void drop(int fd, Slot& s);

  int epfd_ = -1;
  uint32_t turn_ = 0;
  std::vector<Slot> slots_;     // by descriptor
  std::vector<int> this_turn_;  // wanted in this turn
  std::vector<int> registered_; // in the kernel's set
  std::vector<int> ready_;      // had revents set in the last wait
  uint64_t set_changes_ = 0;
};

}  // namespace probebox::sim
