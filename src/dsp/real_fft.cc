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

// Number of complex outputs of an n-point transform of this kind.
size_t OutputCount(size_t n, PlanKind kind) {
  return kind == PlanKind::kRealForward ? n / 2 + 1 : n;
}

// Input and output arrays of one transform, not yet owned by anyone. In is float for the real
// kind, std::complex<float> for the complex kinds.
template <typename In>
struct RawBuffers {
  In* in;
  std::complex<float>* out;
};

// SIMD-aligned arrays from fftwf_malloc for an n-point transform of this kind: n inputs and
// OutputCount(n, kind) complex outputs. Either may be null when out of memory. Requires
// FftwMutex() held.
template <typename In>
RawBuffers<In> AllocBuffersLocked(size_t n, PlanKind kind) {
  // std::complex<float> is layout-compatible with float[2] (and so with fftwf_complex).
  static_assert(sizeof(std::complex<float>) == sizeof(fftwf_complex));
  return {static_cast<In*>(fftwf_malloc(n * sizeof(In))),
          static_cast<std::complex<float>*>(
              fftwf_malloc(OutputCount(n, kind) * sizeof(fftwf_complex)))};
}

// Requires FftwMutex() held.
template <typename In>
void FreeBuffersLocked(const RawBuffers<In>& b) {
  fftwf_free(b.in);
  fftwf_free(b.out);
}

// Makes an n-point plan of this kind for the given arrays.
fftwf_plan PlanLocked(size_t n, PlanKind kind, void* in, std::complex<float>* out) {
  auto* cout = reinterpret_cast<fftwf_complex*>(out);
  if (kind == PlanKind::kRealForward) {
    return fftwf_plan_dft_r2c_1d(static_cast<int>(n), static_cast<float*>(in), cout, FFTW_ESTIMATE);
  }
  const int sign = kind == PlanKind::kComplexForward ? FFTW_FORWARD : FFTW_BACKWARD;
  return fftwf_plan_dft_1d(static_cast<int>(n), static_cast<fftwf_complex*>(in), cout, sign,
                           FFTW_ESTIMATE);
}

// Returns the shared plan for size n and this kind, planning it on first use; null if FFTW
// cannot. Requires FftwMutex() held.
template <typename In>
fftwf_plan GetOrCreatePlanLocked(size_t n, PlanKind kind) {
  auto& cache = PlanCache();
  if (auto it = cache.find({n, kind}); it != cache.end()) return it->second;
  // The planner needs arrays to learn their alignment; fftwf_malloc gives the same SIMD alignment
  // as the per-instance buffers, which the new-array execute requires. FFTW_ESTIMATE picks an
  // algorithm from heuristics instead of timing trial runs: planning takes microseconds rather
  // than up to seconds (which would stall whoever creates the first extractor of a size), the
  // chosen algorithm and so the results are the same on every run, and no wisdom files are needed
  // on the device. The price is a possibly slower execute than FFTW_MEASURE would find.
  // ESTIMATE also never touches the arrays, so these placeholders need no content.
  const RawBuffers<In> placeholder = AllocBuffersLocked<In>(n, kind);
  fftwf_plan plan = nullptr;
  if (placeholder.in != nullptr && placeholder.out != nullptr) {
    plan = PlanLocked(n, kind, placeholder.in, placeholder.out);
  }
  FreeBuffersLocked(placeholder);
  if (plan != nullptr) cache.emplace(PlanKey{n, kind}, plan);
  return plan;
}

// The shared part of RealFft::Create and ComplexFft::Create: checks n, takes the cached plan and
// allocates the instance's buffers, input zeroed. `name` ("RealFft") and `what` ("real") go into
// the error messages.
template <typename In>
Result<detail::FftState<In>> CreateFftState(size_t n, PlanKind kind, const std::string& name,
                                            const std::string& what) {
  if (n < 2) {
    return InvalidArgument(name + " size must be at least 2, got " + std::to_string(n));
  }
  // FFTW's basic interface takes an int length.
  if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument(name + " size " + std::to_string(n) + " is too large for FFTW");
  }
  std::lock_guard lock(FftwMutex());
  fftwf_plan plan = GetOrCreatePlanLocked<In>(n, kind);
  if (plan == nullptr) {
    return Internal("FFTW could not plan a " + what + " FFT of size " + std::to_string(n));
  }
  const RawBuffers<In> buffers = AllocBuffersLocked<In>(n, kind);
  if (buffers.in == nullptr || buffers.out == nullptr) {
    FreeBuffersLocked(buffers);
    return Internal("out of memory allocating FFT buffers of size " + std::to_string(n));
  }
  std::fill_n(buffers.in, n, In());
  return detail::FftState<In>(n, plan, buffers.in, buffers.out);
}

}  // namespace

void FftwDeleter::operator()(void* p) const {
  if (p == nullptr) return;
  std::lock_guard lock(FftwMutex());
  fftwf_free(p);
}

Result<RealFft> RealFft::Create(size_t n) {
  EL_ASSIGN_OR_RETURN(auto state,
                      CreateFftState<float>(n, PlanKind::kRealForward, "RealFft", "real"));
  return RealFft(std::move(state));
}

RealFft::RealFft(detail::FftState<float> state) : s_(std::move(state)) {}
RealFft::RealFft(RealFft&& other) noexcept = default;
RealFft& RealFft::operator=(RealFft&& other) noexcept = default;
RealFft::~RealFft() = default;

std::span<const std::complex<float>> RealFft::Execute() {
  if (s_.plan == nullptr) return {};  // moved-from
  fftwf_execute_dft_r2c(s_.plan, s_.in.get(), reinterpret_cast<fftwf_complex*>(s_.out.get()));
  return {s_.out.get(), bins()};
}

Result<std::span<const std::complex<float>>> RealFft::Forward(std::span<const float> x) {
  if (x.size() != s_.n) {
    return InvalidArgument("RealFft::Forward expects " + std::to_string(s_.n) + " samples, got " +
                           std::to_string(x.size()));
  }
  std::copy(x.begin(), x.end(), s_.in.get());
  return Execute();
}

Result<ComplexFft> ComplexFft::Create(size_t n, Direction direction) {
  const PlanKind kind =
      direction == Direction::kForward ? PlanKind::kComplexForward : PlanKind::kComplexInverse;
  EL_ASSIGN_OR_RETURN(auto state,
                      CreateFftState<std::complex<float>>(n, kind, "ComplexFft", "complex"));
  return ComplexFft(std::move(state));
}

ComplexFft::ComplexFft(detail::FftState<std::complex<float>> state) : s_(std::move(state)) {}
ComplexFft::ComplexFft(ComplexFft&& other) noexcept = default;
ComplexFft& ComplexFft::operator=(ComplexFft&& other) noexcept = default;
ComplexFft::~ComplexFft() = default;

std::span<const std::complex<float>> ComplexFft::Execute() {
  if (s_.plan == nullptr) return {};  // moved-from
  fftwf_execute_dft(s_.plan, reinterpret_cast<fftwf_complex*>(s_.in.get()),
                    reinterpret_cast<fftwf_complex*>(s_.out.get()));
  return {s_.out.get(), s_.n};
}

size_t RealFft::CachedPlanCountForTesting() {
  std::lock_guard lock(FftwMutex());
  return PlanCache().size();
}

}  // namespace edgeloop::dsp
