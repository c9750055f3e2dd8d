// The simulator's epoll set behind libslirp's per-turn poll interest: it reports
// what poll(2) would have, changes the kernel's set only when the interest changes,
// and a socket number reused after a close is watched as the new socket.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "epoll_watch.h"

namespace probebox::sim {
namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) a = sv[0], b = sv[1];
  }
  ~Pair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

int turn(EpollWatch& w, std::initializer_list<std::pair<int, short>> interest, int timeout_ms = 0) {
  w.begin();
  for (auto [fd, events] : interest) EXPECT_EQ(w.want(fd, events), fd);
  return w.wait(timeout_ms);
}

TEST(EpollWatch, ReportsReadinessAsPollWould) {
  EpollWatch w;
  ASSERT_TRUE(w.ok());
  Pair p;
  ASSERT_GE(p.a, 0);
  EXPECT_EQ(turn(w, {{p.a, POLLIN}}), 0);
  EXPECT_EQ(w.revents(p.a), 0);
  ASSERT_EQ(write(p.b, "x", 1), 1);
  EXPECT_EQ(turn(w, {{p.a, POLLIN}}), 1);
  EXPECT_EQ(w.revents(p.a) & POLLIN, POLLIN);
  // Writable was not asked for, so it is not reported.
  EXPECT_EQ(w.revents(p.a) & POLLOUT, 0);
  EXPECT_EQ(turn(w, {{p.a, POLLIN | POLLOUT}}), 1);
  EXPECT_EQ(w.revents(p.a), POLLIN | POLLOUT);
  // The peer gone: hang-up comes without being asked for, as with poll(2).
  close(p.b);
  p.b = -1;
  char c;
  ASSERT_EQ(read(p.a, &c, 1), 1);
  EXPECT_EQ(turn(w, {{p.a, POLLIN}}), 1);
  EXPECT_TRUE(w.revents(p.a) & POLLHUP);
}

TEST(EpollWatch, AnUnchangedInterestCostsNoKernelCallAfterTheFirstTurn) {
  EpollWatch w;
  Pair p, q;
  turn(w, {{p.a, POLLIN}, {q.a, POLLIN}});
  const uint64_t after_first = w.set_changes();
  EXPECT_EQ(after_first, 2u);
  for (int i = 0; i < 20; ++i) turn(w, {{p.a, POLLIN}, {q.a, POLLIN}});
  EXPECT_EQ(w.set_changes(), after_first);
  turn(w, {{p.a, POLLIN | POLLOUT}, {q.a, POLLIN}});
  EXPECT_EQ(w.set_changes(), after_first + 1);
}

TEST(EpollWatch, ASocketNotWantedThisTurnLeavesTheSetAndReportsNothing) {
  EpollWatch w;
  Pair p, q;
  turn(w, {{p.a, POLLIN}, {q.a, POLLIN}});
  EXPECT_EQ(w.watched(), 2u);
  ASSERT_EQ(write(p.b, "x", 1), 1);
  // libslirp has no room to read p this turn: a readable p must not wake the loop.
  EXPECT_EQ(turn(w, {{q.a, POLLIN}}, 20), 0);
  EXPECT_EQ(w.watched(), 1u);
  EXPECT_EQ(w.revents(p.a), 0);
  EXPECT_EQ(turn(w, {{p.a, POLLIN}, {q.a, POLLIN}}), 1);
  EXPECT_TRUE(w.revents(p.a) & POLLIN);
  // Reported in one turn, cleared for the next.
  EXPECT_EQ(turn(w, {{q.a, POLLIN}}), 0);
  EXPECT_EQ(w.revents(p.a), 0);
}

TEST(EpollWatch, ANumberReusedAfterForgetIsWatchedAsTheNewSocket) {
  EpollWatch w;
  Pair old_pair;
  const int number = old_pair.a;
  turn(w, {{number, POLLIN}});
  // libslirp unregisters, then closes; the next socket gets the same number.
  w.forget(number);
  close(old_pair.a);
  Pair fresh;
  ASSERT_EQ(dup2(fresh.a, number), number);
  old_pair.a = -1;
  ASSERT_EQ(write(fresh.b, "y", 1), 1);
  EXPECT_EQ(turn(w, {{number, POLLIN}}), 1);
  EXPECT_TRUE(w.revents(number) & POLLIN);
  close(number);
}

// libslirp forgets a socket right before closing it; the close takes it out of the
// kernel's set, so forgetting costs no system call.
TEST(EpollWatch, ForgettingASocketBeforeItsCloseCostsNoKernelCall) {
  EpollWatch w;
  Pair p, q;
  turn(w, {{p.a, POLLIN}, {q.a, POLLIN}});
  const uint64_t before = w.set_changes();
  w.forget(p.a);
  close(p.a);
  p.a = -1;
  EXPECT_EQ(w.set_changes(), before);
  EXPECT_EQ(w.watched(), 1u);
  ASSERT_EQ(write(q.b, "q", 1), 1);
  EXPECT_EQ(turn(w, {{q.a, POLLIN}}), 1);
  EXPECT_EQ(w.set_changes(), before);
}

// Should a forgotten socket stay open, its readiness must not keep waking the loop.
TEST(EpollWatch, AForgottenSocketLeftOpenLeavesTheSetAtItsFirstReport) {
  EpollWatch w;
  Pair p;
  turn(w, {{p.a, POLLIN}});
  w.forget(p.a);
  ASSERT_EQ(write(p.b, "x", 1), 1);
  const uint64_t before = w.set_changes();
  EXPECT_EQ(turn(w, {}, 0), 0) << "not reported: nobody watches it";
  EXPECT_EQ(w.revents(p.a), 0);
  EXPECT_EQ(w.set_changes(), before + 1) << "removed from the kernel's set";
  EXPECT_EQ(turn(w, {}, 20), 0);
  EXPECT_EQ(w.set_changes(), before + 1);
  // Watched again later, it is added afresh and reports.
  EXPECT_EQ(turn(w, {{p.a, POLLIN}}), 1);
  EXPECT_TRUE(w.revents(p.a) & POLLIN);
}

TEST(EpollWatch, ANumberClosedWithoutForgetAndReusedWithAnotherInterestIsAddedAgain) {
  EpollWatch w;
  Pair old_pair;
  const int number = old_pair.a;
  turn(w, {{number, POLLOUT}});
  close(old_pair.a);  // the kernel drops it from the set; we were not told
  old_pair.a = -1;
  Pair fresh;
  ASSERT_EQ(dup2(fresh.a, number), number);
  ASSERT_EQ(write(fresh.b, "z", 1), 1);
  EXPECT_EQ(turn(w, {{number, POLLIN}}), 1);
  EXPECT_TRUE(w.revents(number) & POLLIN);
  close(number);
}

}  // namespace
}  // namespace probebox::sim
