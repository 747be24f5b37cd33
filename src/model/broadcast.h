// ForEachBroadcast: the numpy-broadcasting index walk shared by the elementwise kernels.
// Internal to src/model; allocation-free.
#pragma once

#include <array>
#include <cstdint>

#include "model/tensor.h"

namespace edgeloop::model {

// Calls f(out_index, in_index[0..n)) for every element of `out`, with each input broadcast.
template <size_t N, typename F>
void ForEachBroadcast(const Shape& out, const std::array<const Shape*, N>& ins, F&& f) {
  const int64_t count = out.Count();
  bool same = true;
  for (const Shape* s : ins) same = same && (*s == out);
  std::array<int64_t, N> idx{};
  if (same) {
    for (int64_t i = 0; i < count; ++i) {
      idx.fill(i);
      f(i, idx);
    }
    return;
  }
  // Strides of each input in the output's index space (0 along broadcast dims).
  std::array<std::array<int64_t, kMaxRank>, N> strides{};
  for (size_t k = 0; k < N; ++k) {
    int64_t stride = 1;
    for (int d = out.rank - 1; d >= 0; --d) {
      int j = d - (out.rank - ins[k]->rank);
      int64_t dim = j >= 0 ? (*ins[k])[j] : 1;
      strides[k][static_cast<size_t>(d)] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  }
  std::array<int64_t, kMaxRank> pos{};
  for (int64_t i = 0; i < count; ++i) {
    f(i, idx);
    for (int d = out.rank - 1; d >= 0; --d) {
      auto du = static_cast<size_t>(d);
      ++pos[du];
      for (size_t k = 0; k < N; ++k) idx[k] += strides[k][du];
      if (pos[du] < out[d]) break;
      for (size_t k = 0; k < N; ++k) idx[k] -= strides[k][du] * pos[du];
      pos[du] = 0;
    }
  }
}

}  // namespace edgeloop::model
