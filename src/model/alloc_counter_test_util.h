// Test-only: replaces the global operator new of the test binary that includes this header
// (include it from exactly one file per binary) so a test can prove a code path allocates nothing.
// Other files of the same binary define EDGELOOP_ALLOC_COUNTER_COUNTERS_ONLY before including
// it: they see the counters without defining operator new a second time.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace edgeloop::model::alloc_counter {
inline std::atomic<bool> g_count_allocs{false};
inline std::atomic<int> g_allocs{0};
}  // namespace edgeloop::model::alloc_counter

#ifndef EDGELOOP_ALLOC_COUNTER_COUNTERS_ONLY
void* operator new(size_t n) {
  if (edgeloop::model::alloc_counter::g_count_allocs.load(std::memory_order_relaxed)) {
    edgeloop::model::alloc_counter::g_allocs.fetch_add(1);
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif  // EDGELOOP_ALLOC_COUNTER_COUNTERS_ONLY
