// libslirp's g_realloc and g_free, with its socket buffers served from the
// simulator's SlirpBufferPool (slirp_buffer_pool.h says why); every other call goes
// on to glib's own functions.
//
// An executable's definitions come first in the dynamic linker's search, so
// libslirp's calls, which go through its PLT, reach these. glib's calls to its own
// functions inside libglib may not, and need not: only libslirp asks for blocks of
// the pool's size, and it frees them itself. Linked into probebox-sim alone, never
// into a library or a test binary.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "slirp_buffer_pool.h"

namespace {

using probebox::sim::SlirpBufferPool;
using ReallocFn = void* (*)(void*, size_t);
using FreeFn = void (*)(void*);

void* glib_symbol(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "probebox-sim: glib's %s not found behind the simulator's (%s)\n", name, dlerror());
    std::abort();
  }
  return f;
}

ReallocFn glib_realloc() {
  static const auto f = reinterpret_cast<ReallocFn>(glib_symbol("g_realloc"));
  return f;
}

FreeFn glib_free() {
  static const auto f = reinterpret_cast<FreeFn>(glib_symbol("g_free"));
  return f;
}

}  // namespace

extern "C" void* g_realloc(void* mem, size_t n_bytes) {
  SlirpBufferPool& pool = probebox::sim::slirp_buffer_pool();
  if (mem != nullptr && pool.contains(mem)) {
    // sbreserve's second call, rounded up to the MSS: the block already holds it.
    if (SlirpBufferPool::fits(n_bytes)) return mem;
    void* moved = n_bytes == 0 ? nullptr : glib_realloc()(nullptr, n_bytes);
    if (moved != nullptr) {
      std::memcpy(moved, mem, n_bytes < SlirpBufferPool::kBlockBytes ? n_bytes : SlirpBufferPool::kBlockBytes);
    }
    pool.give_back(mem);
    return moved;
  }
  if (mem == nullptr && SlirpBufferPool::fits(n_bytes)) {
    if (void* block = pool.take()) return block;
  }
  return glib_realloc()(mem, n_bytes);
}

extern "C" void g_free(void* mem) {
  SlirpBufferPool& pool = probebox::sim::slirp_buffer_pool();
  if (mem != nullptr && pool.contains(mem)) {
    pool.give_back(mem);
    return;
  }
  glib_free()(mem);
}
