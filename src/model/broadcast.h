// ForEachBroadcast: the numpy-broadcasting index walk shared by the elementwise kernels.
// Internal to src/model; allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "model/tensor.h"

namespace edgeloop::model {
namespace broadcast_internal {

// The output of a broadcast with its size-1 dims dropped and neighbouring dims merged wherever
// every input is contiguous across both (or broadcast along both): [N, F] - [F] becomes rows of
// F, [N, 1] / scalar and equal shapes become one run. dims[0] is the innermost. Only the first
// `rank` entries are set: zeroing all of them (a `rep stos`) took as long as a small Sub.
template <size_t N>
struct Collapsed {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims;
  std::array<std::array<int64_t, kMaxRank>, N> strides;  // per input, 0 along broadcast dims
};

template <size_t N>
Collapsed<N> Collapse(const Shape& out, const std::array<const Shape*, N>& ins) {
  Collapsed<N> c;
  std::array<int64_t, N> stride;
  stride.fill(1);
  for (int d = out.rank - 1; d >= 0; --d) {
    std::array<int64_t, N> s{};
    for (size_t k = 0; k < N; ++k) {
      const int j = d - (out.rank - ins[k]->rank);
      const int64_t dim = j >= 0 ? (*ins[k])[j] : 1;
      s[k] = dim == 1 ? 0 : stride[k];
      stride[k] *= dim;
    }
    if (out[d] == 1) continue;  // contributes no index
    bool merge = c.rank > 0;
    const auto last = static_cast<size_t>(c.rank - 1);
    for (size_t k = 0; merge && k < N; ++k) merge = s[k] == c.strides[k][last] * c.dims[last];
    if (merge) {
      c.dims[last] *= out[d];
      continue;
    }
    const auto r = static_cast<size_t>(c.rank++);
    c.dims[r] = out[d];
    for (size_t k = 0; k < N; ++k) c.strides[k][r] = s[k];
  }
  return c;
}

// The walk over a collapsed output whose innermost run advances input k by 1 when bit k of
// kMask is set and by 0 otherwise (the only two cases, see Collapse), so after inlining the
// inner loop is a plain contiguous loop the compiler can vectorize.
template <unsigned kMask, size_t N, typename F>
void Walk(const Collapsed<N>& c, F& f) {
  const int64_t inner = c.dims[0];
  auto run = [&](int64_t i, const std::array<int64_t, N>& idx) {
    for (int64_t j = 0; j < inner; ++j) {
      std::array<int64_t, N> at;
      for (size_t k = 0; k < N; ++k) at[k] = idx[k] + (((kMask >> k) & 1u) != 0 ? j : 0);
      f(i + j, at);
    }
  };
  std::array<int64_t, N> idx{};
  if (c.rank == 1) {  // equal shapes, tensor op scalar, [N, 1] op [N, 1], ...
    run(0, idx);
    return;
  }
  std::array<int64_t, kMaxRank> pos;
  pos.fill(0);
  for (int64_t i = 0;; i += inner) {
    run(i, idx);
    int d = 1;
    for (; d < c.rank; ++d) {
      const auto du = static_cast<size_t>(d);
      ++pos[du];
      for (size_t k = 0; k < N; ++k) idx[k] += c.strides[k][du];
      if (pos[du] < c.dims[du]) break;
      for (size_t k = 0; k < N; ++k) idx[k] -= c.strides[k][du] * pos[du];
      pos[du] = 0;
    }
    if (d == c.rank) return;
  }
}

template <size_t N, typename F, unsigned... kMasks>
void WalkAny(unsigned mask, const Collapsed<N>& c, F& f,
             std::integer_sequence<unsigned, kMasks...>) {
  (void)((mask == kMasks ? (Walk<kMasks>(c, f), true) : false) || ...);
}

}  // namespace broadcast_internal

// Calls f(out_index, in_index[0..n)) for every element of `out` in order, with each input
// broadcast.
template <size_t N, typename F>
void ForEachBroadcast(const Shape& out, const std::array<const Shape*, N>& ins, F&& f) {
  static_assert(N >= 1 && N <= 3, "one inner loop per input step pattern: 2^N copies of f");
  using broadcast_internal::Collapse;
  int64_t count = 1;
  for (int d = 0; d < out.rank; ++d) count *= out[d];
  if (count <= 0) return;  // no elements
  // Quick check for the batch-1 shapes of dense models: every input either covers the whole
  // output ([1, F] - [F], equal shapes) or is one element, so the output is a single run.
  // Collapse would find the same; this is only cheaper.
  unsigned mask = 0;
  bool single_run = true;
  for (size_t k = 0; single_run && k < N; ++k) {
    const Shape& in = *ins[k];
    const int skip = out.rank - in.rank;
    bool full = skip >= 0, one = true;
    for (int j = 0; j < in.rank; ++j) {
      full = full && in[j] == out[j + skip];
      one = one && in[j] == 1;
    }
    for (int d = 0; full && d < skip; ++d) full = out[d] == 1;
    if (full) mask |= 1u << k;
    single_run = full || one;
  }
  if (single_run) {
    broadcast_internal::Collapsed<N> c;
    c.rank = 1;
    c.dims[0] = count;
    broadcast_internal::WalkAny(mask, c, f, std::make_integer_sequence<unsigned, 1u << N>{});
    return;
  }
  const auto c = Collapse(out, ins);
  if (c.rank == 0) {  // a single element
    std::array<int64_t, N> zero{};
    f(int64_t{0}, zero);
    return;
  }
  mask = 0;
  for (size_t k = 0; k < N; ++k) mask |= c.strides[k][0] != 0 ? 1u << k : 0u;
  broadcast_internal::WalkAny(mask, c, f, std::make_integer_sequence<unsigned, 1u << N>{});
}

}  // namespace edgeloop::model
