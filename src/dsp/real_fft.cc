#include "dsp/real_fft.h"

#include <fftw3.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace edgeloop::dsp {
namespace {

// FFTW documents only the execute functions as thread-safe, so every other FFTW call we make
// (planning, fftwf_malloc, fftwf_free) goes through this one lock.
std::mutex& FftwMutex() {
  static auto* mu = new std::mutex;  // never destroyed: RealFfts may outlive static teardown
  return *mu;
}

// What a cached plan computes; part of the cache key next to the size.
enum class PlanKind { kRealForward, kComplexForward, kComplexInverse };

struct PlanKey {
  size_t n;
  PlanKind kind;
  bool operator==(const PlanKey&) const = default;
};

struct PlanKeyHash {
  size_t operator()(const PlanKey& k) const {
    return std::hash<size_t>()(k.n) * 3 + static_cast<size_t>(k.kind);
  }
};

// Guarded by FftwMutex(). Plans are kept for the life of the process.
std::unordered_map<PlanKey, fftwf_plan, PlanKeyHash>& PlanCache() {
  static auto* cache = new std::unordered_map<PlanKey, fftwf_plan, PlanKeyHash>;
  return *cache;
}

// Returns the shared complex plan for size n, planning it on first use. Requires FftwMutex().
fftwf_plan GetOrCreateComplexPlanLocked(size_t n, PlanKind kind) {
  auto& cache = PlanCache();
  if (auto it = cache.find({n, kind}); it != cache.end()) return it->second;
  // Same reasoning as for the real plans below: ESTIMATE, placeholder arrays, never destroyed.
  fftwf_complex* in = fftwf_alloc_complex(n);
  fftwf_complex* out = fftwf_alloc_complex(n);
  fftwf_plan plan = nullptr;
  if (in != nullptr && out != nullptr) {
    const int sign = kind == PlanKind::kComplexForward ? FFTW_FORWARD : FFTW_BACKWARD;
    plan = fftwf_plan_dft_1d(static_cast<int>(n), in, out, sign, FFTW_ESTIMATE);
  }
  fftwf_free(in);
  fftwf_free(out);
  if (plan != nullptr) cache.emplace(PlanKey{n, kind}, plan);
  return plan;
}

// Returns the shared plan for size n, planning it on first use. Requires FftwMutex() held.
fftwf_plan GetOrCreatePlanLocked(size_t n) {
  auto& cache = PlanCache();
  if (auto it = cache.find({n, PlanKind::kRealForward}); it != cache.end()) return it->second;
  // The planner needs arrays to learn their alignment; fftwf_malloc gives the same SIMD alignment
  // as the per-instance buffers, which the new-array execute requires. FFTW_ESTIMATE picks an
  // algorithm from heuristics instead of timing trial runs: planning takes microseconds rather
  // than up to seconds (which would stall whoever creates the first extractor of a size), the
  // chosen algorithm and so the results are the same on every run, and no wisdom files are needed
  // on the device. The price is a possibly slower execute than FFTW_MEASURE would find.
  // ESTIMATE also never touches the arrays, so these placeholders need no content.
  float* in = fftwf_alloc_real(n);
  fftwf_complex* out = fftwf_alloc_complex(n / 2 + 1);
  fftwf_plan plan = nullptr;
  if (in != nullptr && out != nullptr) {
    plan = fftwf_plan_dft_r2c_1d(static_cast<int>(n), in, out, FFTW_ESTIMATE);
  }
  fftwf_free(in);
  fftwf_free(out);
  if (plan != nullptr) cache.emplace(PlanKey{n, PlanKind::kRealForward}, plan);
  return plan;
}

}  // namespace

void FftwDeleter::operator()(void* p) const {
  if (p == nullptr) return;
  std::lock_guard lock(FftwMutex());
  fftwf_free(p);
}

Result<RealFft> RealFft::Create(size_t n) {
  if (n < 2) {
    return InvalidArgument("RealFft size must be at least 2, got " + std::to_string(n));
  }
  // FFTW's basic interface takes an int length.
  if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument("RealFft size " + std::to_string(n) + " is too large for FFTW");
  }
  std::lock_guard lock(FftwMutex());
  fftwf_plan plan = GetOrCreatePlanLocked(n);
  if (plan == nullptr) {
    return Internal("FFTW could not plan a real FFT of size " + std::to_string(n));
  }
  float* in = fftwf_alloc_real(n);
  fftwf_complex* out = fftwf_alloc_complex(n / 2 + 1);
  if (in == nullptr || out == nullptr) {
    fftwf_free(in);
    fftwf_free(out);
    return Internal("out of memory allocating FFT buffers of size " + std::to_string(n));
  }
  std::fill_n(in, n, 0.0f);
  // std::complex<float> is layout-compatible with float[2] (and so with fftwf_complex).
  return RealFft(n, plan, in, reinterpret_cast<std::complex<float>*>(out));
}

RealFft::RealFft(size_t n, fftwf_plan_s* plan, float* in, std::complex<float>* out)
    : n_(n), plan_(plan), in_(in), out_(out) {}

RealFft::RealFft(RealFft&& other) noexcept
    : n_(std::exchange(other.n_, 0)),
      plan_(std::exchange(other.plan_, nullptr)),
      in_(std::move(other.in_)),
      out_(std::move(other.out_)) {}

RealFft& RealFft::operator=(RealFft&& other) noexcept {
  if (this != &other) {
    n_ = std::exchange(other.n_, 0);
    plan_ = std::exchange(other.plan_, nullptr);
    in_ = std::move(other.in_);
    out_ = std::move(other.out_);
  }
  return *this;
}

RealFft::~RealFft() = default;

std::span<const std::complex<float>> RealFft::Execute() {
  if (plan_ == nullptr) return {};  // moved-from
  fftwf_execute_dft_r2c(plan_, in_.get(), reinterpret_cast<fftwf_complex*>(out_.get()));
  return {out_.get(), bins()};
}

Result<std::span<const std::complex<float>>> RealFft::Forward(std::span<const float> x) {
  if (x.size() != n_) {
    return InvalidArgument("RealFft::Forward expects " + std::to_string(n_) + " samples, got " +
                           std::to_string(x.size()));
  }
  std::copy(x.begin(), x.end(), in_.get());
  return Execute();
}

Result<ComplexFft> ComplexFft::Create(size_t n, Direction direction) {
  if (n < 2) {
    return InvalidArgument("ComplexFft size must be at least 2, got " + std::to_string(n));
  }
  if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument("ComplexFft size " + std::to_string(n) + " is too large for FFTW");
  }
  std::lock_guard lock(FftwMutex());
  const PlanKind kind =
      direction == Direction::kForward ? PlanKind::kComplexForward : PlanKind::kComplexInverse;
  fftwf_plan plan = GetOrCreateComplexPlanLocked(n, kind);
  if (plan == nullptr) {
    return Internal("FFTW could not plan a complex FFT of size " + std::to_string(n));
  }
  fftwf_complex* in = fftwf_alloc_complex(n);
  fftwf_complex* out = fftwf_alloc_complex(n);
  if (in == nullptr || out == nullptr) {
    fftwf_free(in);
    fftwf_free(out);
    return Internal("out of memory allocating FFT buffers of size " + std::to_string(n));
  }
  auto* cin = reinterpret_cast<std::complex<float>*>(in);
  std::fill_n(cin, n, std::complex<float>());
  return ComplexFft(n, plan, cin, reinterpret_cast<std::complex<float>*>(out));
}

ComplexFft::ComplexFft(size_t n, fftwf_plan_s* plan, std::complex<float>* in,
                       std::complex<float>* out)
    : n_(n), plan_(plan), in_(in), out_(out) {}

ComplexFft::ComplexFft(ComplexFft&& other) noexcept
    : n_(std::exchange(other.n_, 0)),
      plan_(std::exchange(other.plan_, nullptr)),
      in_(std::move(other.in_)),
      out_(std::move(other.out_)) {}

ComplexFft& ComplexFft::operator=(ComplexFft&& other) noexcept {
  if (this != &other) {
    n_ = std::exchange(other.n_, 0);
    plan_ = std::exchange(other.plan_, nullptr);
    in_ = std::move(other.in_);
    out_ = std::move(other.out_);
  }
  return *this;
}

ComplexFft::~ComplexFft() = default;

std::span<const std::complex<float>> ComplexFft::Execute() {
  if (plan_ == nullptr) return {};  // moved-from
  fftwf_execute_dft(plan_, reinterpret_cast<fftwf_complex*>(in_.get()),
                    reinterpret_cast<fftwf_complex*>(out_.get()));
  return {out_.get(), n_};
}

size_t RealFft::CachedPlanCountForTesting() {
  std::lock_guard lock(FftwMutex());
  return PlanCache().size();
}

}  // namespace edgeloop::dsp
