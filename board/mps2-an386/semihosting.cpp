#include "semihosting.h"

#include <cstring>

namespace board::semihosting {
namespace {

enum Op : uint32_t {
  kOpen = 0x01,
  kClose = 0x02,
  kWrite = 0x05,
  kRead = 0x06,
  kSeek = 0x0A,
  kFlen = 0x0C,
  kGetCmdline = 0x15,
  kExitExtended = 0x20,
};

uint32_t call(uint32_t op, const void* args) {
  register uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = args;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

int open(const char* path, bool write) {
  // fopen modes by index: 1 "rb", 3 "r+b", 7 "w+b". r+b keeps an existing image
  // intact (w+ would truncate it); w+b only when there is none yet.
  uint32_t args[3] = {reinterpret_cast<uint32_t>(path), write ? 3u : 1u, static_cast<uint32_t>(std::strlen(path))};
  int handle = static_cast<int>(call(kOpen, args));
  if (handle < 0 && write) {
    args[1] = 7;
    handle = static_cast<int>(call(kOpen, args));
  }
  return handle;
}

int close(int handle) {
  uint32_t args[1] = {static_cast<uint32_t>(handle)};
  return static_cast<int>(call(kClose, args));
}

long read(int handle, void* buffer, size_t length) {
  uint32_t args[3] = {static_cast<uint32_t>(handle), reinterpret_cast<uint32_t>(buffer), length};
  uint32_t not_read = call(kRead, args);
  return not_read > length ? -1 : static_cast<long>(length - not_read);
}

long write(int handle, const void* buffer, size_t length) {
  uint32_t args[3] = {static_cast<uint32_t>(handle), reinterpret_cast<uint32_t>(buffer), length};
  uint32_t not_written = call(kWrite, args);
  return static_cast<long>(length - not_written);
}

long file_length(int handle) {
  uint32_t args[1] = {static_cast<uint32_t>(handle)};
  return static_cast<long>(call(kFlen, args));
}

bool seek(int handle, size_t position) {
  uint32_t args[2] = {static_cast<uint32_t>(handle), position};
  return call(kSeek, args) == 0;
}

bool command_line(char* buffer, size_t length) {
  uint32_t args[2] = {reinterpret_cast<uint32_t>(buffer), length};
  return call(kGetCmdline, args) == 0;
}

void exit(int code) {
  // SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit carries the code to QEMU's exit.
  uint32_t args[2] = {0x20026, static_cast<uint32_t>(code)};
  call(kExitExtended, args);
  for (;;) {
  }
}

}  // namespace board::semihosting
