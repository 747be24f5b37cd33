// RealFft: a forward real-to-complex FFT of one fixed size, backed by FFTW single precision.
// ComplexFft: its complex-to-complex sibling (forward or inverse), same caching and thread rules;
// the envelope analysis needs the inverse to build analytic signals.
//
// FFTW plans are costly to make and FFTW's planner is not thread-safe, so plans live in a
// process-wide cache keyed by size: the first RealFft of a size plans it under a mutex, later ones
// reuse that plan. Plans are never destroyed; a process needs a handful of sizes at most.
// Executing a shared plan is thread-safe in FFTW as long as every caller brings its own arrays, so
// each RealFft owns its own SIMD-aligned input and output buffers (allocated with fftwf_malloc,
// released on destruction). RealFft is move-only.
//
// Threads: Create() may be called from any thread. One instance must be used by one thread at a
// time (its buffers are mutable state); distinct instances, even of the same size, may run
// concurrently in different threads. Other code in the process that calls FFTW's planner directly
// is not covered by our mutex and must not plan while RealFft::Create() runs.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "common/status.h"

// FFTW's opaque plan type (fftwf_plan is a pointer to it); declared here so fftw3.h stays private.
struct fftwf_plan_s;

namespace edgeloop::dsp {

// Releases FFTW-allocated buffers under the FFTW lock.
struct FftwDeleter {
  void operator()(void* p) const;
};

namespace detail {

// What RealFft and ComplexFft hold: the size, the shared plan and this instance's own aligned
// buffers (In is float for RealFft, std::complex<float> for ComplexFft). Moving leaves the source
// empty: size 0 and no plan, which Execute() treats as a no-op.
template <typename In>
struct FftState {
  FftState() = default;
  FftState(size_t n, fftwf_plan_s* plan, In* in, std::complex<float>* out)
      : n(n), plan(plan), in(in), out(out) {}
  FftState(FftState&& other) noexcept
      : n(std::exchange(other.n, 0)),
        plan(std::exchange(other.plan, nullptr)),
        in(std::move(other.in)),
        out(std::move(other.out)) {}
  FftState& operator=(FftState&& other) noexcept {
    if (this != &other) {
      n = std::exchange(other.n, 0);
      plan = std::exchange(other.plan, nullptr);
      in = std::move(other.in);
      out = std::move(other.out);
    }
    return *this;
  }

  size_t n = 0;
  fftwf_plan_s* plan = nullptr;  // owned by the process-wide cache, never destroyed
  std::unique_ptr<In[], FftwDeleter> in;
  std::unique_ptr<std::complex<float>[], FftwDeleter> out;
};

}  // namespace detail

class RealFft {
 public:
  // n >= 2, else InvalidArgument.
  static Result<RealFft> Create(size_t n);

  RealFft(RealFft&& other) noexcept;
  RealFft& operator=(RealFft&& other) noexcept;
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;
  ~RealFft();

  // Transform length n; 0 only for a moved-from instance.
  size_t size() const { return s_.n; }
  // Number of output bins, n/2 + 1 (bin k is frequency k * sample_rate / n).
  size_t bins() const { return s_.n == 0 ? 0 : s_.n / 2 + 1; }

  // The n input samples to fill before Execute(). Execute() leaves them intact.
  std::span<float> input() { return {s_.in.get(), s_.n}; }

  // Transforms input() and returns the n/2+1 unnormalised bins X[k] = sum_t x[t] e^{-2πikt/n}.
  // The span points into this instance and is valid until the next Execute/Forward or move.
  std::span<const std::complex<float>> Execute();

  // Copies x (which must hold exactly size() samples, else InvalidArgument) into input() and
  // executes.
  Result<std::span<const std::complex<float>>> Forward(std::span<const float> x);

  // Number of distinct plans (size and kind, see ComplexFft) made so far in this process; lets
  // tests check the cache.
  static size_t CachedPlanCountForTesting();

 private:
  explicit RealFft(detail::FftState<float> state);

  detail::FftState<float> s_;
};

// A complex FFT of one fixed size and direction. Same ownership and thread rules as RealFft;
// shares its plan cache (keyed by size and kind).
class ComplexFft {
 public:
  enum class Direction { kForward, kInverse };

  // n >= 2, else InvalidArgument.
  static Result<ComplexFft> Create(size_t n, Direction direction);

  ComplexFft(ComplexFft&& other) noexcept;
  ComplexFft& operator=(ComplexFft&& other) noexcept;
  ComplexFft(const ComplexFft&) = delete;
  ComplexFft& operator=(const ComplexFft&) = delete;
  ~ComplexFft();

  size_t size() const { return s_.n; }

  // The n input values to fill before Execute(). Execute() leaves them intact.
  std::span<std::complex<float>> input() { return {s_.in.get(), s_.n}; }

  // Unnormalised transform: forward sum_t x[t] e^{-2πikt/n}, inverse sum_k X[k] e^{+2πikt/n}
  // (so inverse(forward(x)) = n·x). Valid until the next Execute() or move.
  std::span<const std::complex<float>> Execute();

 private:
  explicit ComplexFft(detail::FftState<std::complex<float>> state);

  detail::FftState<std::complex<float>> s_;
};

}  // namespace edgeloop::dsp
