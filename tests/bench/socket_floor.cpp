// What the kernel charges for one appliance cycle's sockets, and nothing else: the
// floor under the steady-state CPU of any client that makes these checks over
// ordinary sockets on this machine (issue 20 item 4).
//
// It opens the sockets of the box's cycle against the same lab, in the box's groups
// (four at a time, each begun when the one before has finished, as the box's
// scheduler runs a burst's groups back to back), and sends only what makes each
// server answer: a recorded TLS 1.2 ClientHello (read until ServerHelloDone), a plain
// HTTP request, an SMTP EHLO and QUIT, a DNS or NTP datagram. No key exchange, no parsing beyond
// "has the answer arrived", no TCP/IP stack of its own: it does less than the box
// and less than blackbox_exporter, so its CPU is a lower bound for both. Every
// socket is on 127.0.0.1; every wait is bounded.
//
// One piece of crypto is in the plan because both the box and the exporter do it on
// every tls_cert probe: verifying the server's RSA-2048 signature. It runs through
// the box's own mbedTLS build (the same configuration, the same public-exponent
// path), on a key and signature the plan carries, and is timed apart.
//
// Plan (stdin), one job per line, ports on 127.0.0.1:
//   connect PORT | refused PORT | tls PORT HEX | http PORT HEX | smtp PORT | udp PORT HEX
//   rsa COUNT PUBLIC_KEY_DER_HEX SHA256_HEX SIGNATURE_HEX   (COUNT verifications a cycle)
// Usage: socket_floor CYCLES INTERVAL_MS < plan
// Prints one JSON object: CPU per cycle (total from CLOCK_PROCESS_CPUTIME_ID, the
// user/kernel split and voluntary context switches from getrusage), and the CPU of
// the signature verifications alone.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/platform_time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr size_t kGroup = 4;           // Scheduler::kStartGroup
constexpr int kJobDeadlineMs = 5000;   // a group that outlives this is an error

struct Signatures {
  int per_cycle = 0;
  std::string key_der, hash, signature;
};

enum class Kind { kConnect, kRefused, kTls, kHttp, kSmtp, kUdp };

struct Job {
  Kind kind;
  uint16_t port;
  std::string send;
};

struct Flight {
  const Job* job;
  int fd = -1;
  bool connected = false;
  bool refused_at_once = false;  // connect() itself said ECONNREFUSED
  int smtp_step = 0;  // 0: banner, 1: EHLO sent
  std::string got;
};

int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1'000'000;
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Lower-case hex to bytes; false on anything else.
bool unhex(const std::string& hex, std::string& out) {
  out.clear();
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

// Every line must parse: a plan the floor half-understood would measure less than it says.
bool parse_plan(std::istream& in, std::vector<Job>& jobs, Signatures& sigs) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream words(line);
    std::string kind, hex;
    if (line.rfind("rsa ", 0) == 0) {
      std::string key, hash, sig;
      words >> kind >> sigs.per_cycle >> key >> hash >> sig;
      if (!words || !unhex(key, sigs.key_der) || !unhex(hash, sigs.hash) || !unhex(sig, sigs.signature) ||
          sigs.per_cycle < 0 || sigs.per_cycle > 64 || sigs.hash.size() != 32) {
        return false;
      }
      continue;
    }
    unsigned port = 0;
    if (!(words >> kind >> port) || port == 0 || port > 65535) return false;
    words >> hex;
    Job j{Kind::kConnect, static_cast<uint16_t>(port), {}};
    if (!unhex(hex, j.send)) return false;
    if (kind == "connect") j.kind = Kind::kConnect;
    else if (kind == "refused") j.kind = Kind::kRefused;
    else if (kind == "tls") j.kind = Kind::kTls;
    else if (kind == "http") j.kind = Kind::kHttp;
    else if (kind == "smtp") j.kind = Kind::kSmtp;
    else if (kind == "udp") j.kind = Kind::kUdp;
    else return false;
    jobs.push_back(j);
  }
  return !jobs.empty();
}

int open_socket(const Job& job, int epfd, Flight& f) {
  const bool udp = job.kind == Kind::kUdp;
  f.fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (f.fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(job.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // A refusal on loopback may come at once or through SO_ERROR; epoll reports both.
  const int failed_with = connect(f.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ? errno : 0;
  f.refused_at_once = failed_with == ECONNREFUSED;
  if (failed_with != 0 && failed_with != EINPROGRESS && !(job.kind == Kind::kRefused && f.refused_at_once)) {
    return -1;
  }
  if (udp) {
    if (send(f.fd, job.send.data(), job.send.size(), 0) < 0) return -1;
    f.connected = true;
  }
  epoll_event ev{};
  ev.events = udp ? EPOLLIN : EPOLLOUT;
  ev.data.ptr = &f;
  return epoll_ctl(epfd, EPOLL_CTL_ADD, f.fd, &ev);
}

// A TLS 1.2 server's first flight has ended: its handshake records, put together,
// hold a complete ServerHelloDone (type 14). Any other record ends it too (an alert).
bool tls12_flight_complete(const std::string& bytes) {
  std::string handshake;
  size_t at = 0;
  while (at + 5 <= bytes.size()) {
    const auto type = static_cast<uint8_t>(bytes[at]);
    const size_t length = (static_cast<uint8_t>(bytes[at + 3]) << 8) | static_cast<uint8_t>(bytes[at + 4]);
    if (at + 5 + length > bytes.size()) break;
    if (type != 22) return true;
    handshake.append(bytes, at + 5, length);
    at += 5 + length;
  }
  for (size_t m = 0; m + 4 <= handshake.size();) {
    const size_t length = (static_cast<uint8_t>(handshake[m + 1]) << 16) |
                          (static_cast<uint8_t>(handshake[m + 2]) << 8) | static_cast<uint8_t>(handshake[m + 3]);
    if (static_cast<uint8_t>(handshake[m]) == 14) return true;
    m += 4 + length;
  }
  return false;
}

// The last line of an SMTP reply with code `code` has arrived ("250 " opens it).
bool smtp_reply_ends(const std::string& bytes, const char* code) {
  for (size_t line = 0; line < bytes.size();) {
    const size_t end = bytes.find("\r\n", line);
    if (end == std::string::npos) return false;
    if (bytes.compare(line, 4, std::string(code) + " ") == 0) return true;
    line = end + 2;
  }
  return false;
}

// Where a job stands after an event. A job that did not get the answer its server
// gives the box fails the run: a floor of refused connections would be no floor.
enum class Outcome { kWaiting, kDone, kFailed };

Outcome on_event(Flight& f, int epfd) {
  const Job& job = *f.job;
  if (!f.connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(f.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (job.kind == Kind::kRefused) {
      return err == ECONNREFUSED || f.refused_at_once ? Outcome::kDone : Outcome::kFailed;
    }
    if (err != 0) return Outcome::kFailed;
    if (job.kind == Kind::kConnect) return Outcome::kDone;
    f.connected = true;
    if (!job.send.empty() && send(f.fd, job.send.data(), job.send.size(), MSG_NOSIGNAL) < 0) return Outcome::kFailed;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &f;
    epoll_ctl(epfd, EPOLL_CTL_MOD, f.fd, &ev);
    return Outcome::kWaiting;
  }
  char buf[16384];
  const ssize_t n = recv(f.fd, buf, sizeof buf, 0);
  if (n < 0) return Outcome::kFailed;
  if (n == 0) {  // the server closed: only an HTTP answer may end so
    return job.kind == Kind::kHttp && f.got.rfind("HTTP/1.", 0) == 0 ? Outcome::kDone : Outcome::kFailed;
  }
  if (job.kind == Kind::kUdp) return Outcome::kDone;
  f.got.append(buf, static_cast<size_t>(n));
  switch (job.kind) {
    case Kind::kTls:
      return tls12_flight_complete(f.got) ? Outcome::kDone : Outcome::kWaiting;
    case Kind::kSmtp:
      if (f.smtp_step == 0 && smtp_reply_ends(f.got, "220")) {
        f.smtp_step = 1;
        f.got.clear();
        static const char kEhlo[] = "EHLO floor.lab.test\r\n";
        if (send(f.fd, kEhlo, sizeof kEhlo - 1, MSG_NOSIGNAL) < 0) return Outcome::kFailed;
      } else if (f.smtp_step == 1 && smtp_reply_ends(f.got, "250")) {
        static const char kQuit[] = "QUIT\r\n";
        send(f.fd, kQuit, sizeof kQuit - 1, MSG_NOSIGNAL);
        return Outcome::kDone;
      }
      return Outcome::kWaiting;
    default:  // http: the server closes after its answer
      return Outcome::kWaiting;
  }
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kConnect: return "connect";
    case Kind::kRefused: return "refused";
    case Kind::kTls: return "tls";
    case Kind::kHttp: return "http";
    case Kind::kSmtp: return "smtp";
    case Kind::kUdp: return "udp";
  }
  return "?";
}

bool run_group(const Job* first, size_t count, int epfd) {
  std::vector<Flight> flights(count);
  size_t open = 0;
  for (size_t i = 0; i < count; ++i) {
    flights[i].job = first + i;
    if (open_socket(first[i], epfd, flights[i]) != 0) {
      std::perror("socket_floor: socket");
      return false;
    }
    ++open;
  }
  const int64_t deadline = now_ms() + kJobDeadlineMs;
  while (open > 0) {
    const int64_t left = deadline - now_ms();
    if (left <= 0) return false;
    epoll_event evs[kGroup];
    const int n = epoll_wait(epfd, evs, static_cast<int>(kGroup), static_cast<int>(left));
    for (int i = 0; i < n; ++i) {
      Flight& f = *static_cast<Flight*>(evs[i].data.ptr);
      const Outcome outcome = on_event(f, epfd);
      if (outcome == Outcome::kWaiting) continue;
      if (outcome == Outcome::kFailed) {
        std::fprintf(stderr, "socket_floor: %s job on port %u did not get its answer\n", kind_name(f.job->kind),
                     static_cast<unsigned>(f.job->port));
        return false;
      }
      epoll_ctl(epfd, EPOLL_CTL_DEL, f.fd, nullptr);
      close(f.fd);
      f.fd = -1;
      --open;
    }
  }
  return true;
}

void sleep_ms(int64_t ms) {
  if (ms <= 0) return;
  timespec t{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  nanosleep(&t, nullptr);
}

}  // namespace

// mbedTLS's platform hooks (the firmware's are in net_glue.cpp). Nothing here draws
// randomness: verification is public.
extern "C" int mbedtls_hardware_poll(void*, unsigned char*, size_t, size_t* olen) {
  *olen = 0;
  return -1;
}
extern "C" mbedtls_ms_time_t mbedtls_ms_time(void) { return now_ms(); }

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: socket_floor CYCLES INTERVAL_MS < plan\n");
    return 2;
  }
  const int cycles = std::atoi(argv[1]);
  const int interval_ms = std::atoi(argv[2]);
  std::vector<Job> jobs;
  Signatures sigs;
  if (cycles < 1 || cycles > 1000 || interval_ms < 0 || interval_ms > 60'000 || !parse_plan(std::cin, jobs, sigs)) {
    std::fprintf(stderr, "socket_floor: bad arguments or plan\n");
    return 2;
  }
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  if (sigs.per_cycle > 0 &&
      mbedtls_pk_parse_public_key(&pk, reinterpret_cast<const unsigned char*>(sigs.key_der.data()),
                                  sigs.key_der.size()) != 0) {
    std::fprintf(stderr, "socket_floor: the plan's public key does not parse\n");
    return 2;
  }
  double signature_ms = 0;
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  rusage r0{}, r1{};
  getrusage(RUSAGE_SELF, &r0);
  const double cpu0 = cpu_ms();
  const int64_t began = now_ms();
  for (int c = 0; c < cycles; ++c) {
    const int64_t cycle_start = began + static_cast<int64_t>(c) * interval_ms;
    const double sig0 = cpu_ms();
    for (int i = 0; i < sigs.per_cycle; ++i) {
      if (mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, reinterpret_cast<const unsigned char*>(sigs.hash.data()), 32,
                            reinterpret_cast<const unsigned char*>(sigs.signature.data()),
                            sigs.signature.size()) != 0) {
        std::fprintf(stderr, "socket_floor: the plan's signature does not verify\n");
        return 1;
      }
    }
    signature_ms += cpu_ms() - sig0;
    // Each group begins when the one before has finished: the box's scheduler does the
    // same when a group ends within the 20 ms to the next one's plan, as on the lab.
    for (size_t g = 0; g * kGroup < jobs.size(); ++g) {
      const size_t count = std::min(kGroup, jobs.size() - g * kGroup);
      if (!run_group(&jobs[g * kGroup], count, epfd)) {
        std::fprintf(stderr, "socket_floor: a group failed or did not finish within %d ms\n", kJobDeadlineMs);
        return 1;
      }
    }
    sleep_ms(cycle_start + interval_ms - now_ms());
  }
  const double cpu = cpu_ms() - cpu0;
  getrusage(RUSAGE_SELF, &r1);
  auto ms = [](const timeval& a, const timeval& b) { return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_usec - a.tv_usec) / 1e3; };
  std::printf("{\"jobs\": %zu, \"cycles\": %d, \"cpu_ms\": %.3f, \"user_ms\": %.3f, \"sys_ms\": %.3f, "
              "\"wakeups\": %.1f, \"signatures\": %d, \"signature_ms\": %.3f}\n",
              jobs.size(), cycles, cpu / cycles, ms(r0.ru_utime, r1.ru_utime) / cycles,
              ms(r0.ru_stime, r1.ru_stime) / cycles, static_cast<double>(r1.ru_nvcsw - r0.ru_nvcsw) / cycles,
              sigs.per_cycle, signature_ms / cycles);
  mbedtls_pk_free(&pk);
  close(epfd);
  return 0;
}
