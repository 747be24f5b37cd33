// Vibration feature throughput, measured against FFTW's own execute on the same windows.
//
// The FFT is the one part of the feature pipeline we cannot make cheaper ourselves, so "features
// cost = N x FFTW execute" says how much our own passes (moments, windowing, band sums) add on
// top of it, independently of how fast this particular machine is. The last line also turns the
// feature rate into how many 25.6 kHz accelerometer channels one core can keep up with.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "common/asset.h"
#include "common/clock.h"
#include "common/sample.h"
#include "dsp/real_fft.h"
#include "dsp/signal_analyzer.h"
#include "dsp/vibration_features.h"
#include "quality/quality_gate.h"

namespace edgeloop::dsp {
namespace {

constexpr double kRateHz = 25600.0;
constexpr size_t kWindowSize = 25600;  // one second at 25.6 kHz
constexpr size_t kWindowCount = 16;

// Seeded noise + a 1x shaft tone + periodic decaying bursts: realistic enough that no shortcut
// (a constant window, an all-zero spectrum) makes either benchmark look better than it is.
const std::vector<std::vector<float>>& Windows() {
  static const auto* windows = [] {
    auto* w = new std::vector<std::vector<float>>(kWindowCount, std::vector<float>(kWindowSize));
    std::mt19937 rng(2024);
    std::normal_distribution<float> noise(0.0f, 0.2f);
    const double two_pi = 2.0 * std::numbers::pi;
    for (size_t i = 0; i < kWindowCount; ++i) {
      for (size_t t = 0; t < kWindowSize; ++t) {
        double x = noise(rng) + 0.8 * std::sin(two_pi * (29.5 + i) * t / kRateHz);
        const size_t since_burst = (t + 97 * i) % 2560;
        x += 3.0 * std::exp(-static_cast<double>(since_burst) / 40.0) *
             std::sin(two_pi * 3100.0 * since_burst / kRateHz);
        (*w)[i][t] = static_cast<float>(x);
      }
    }
    return w;
  }();
  return *windows;
}

void BM_FftwExecuteOnly(benchmark::State& state) {
  const auto& windows = Windows();
  RealFft fft = RealFft::Create(kWindowSize).value();
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<float>& w = windows[i++ % kWindowCount];
    std::copy(w.begin(), w.end(), fft.input().begin());
    auto bins = fft.Execute();
    benchmark::DoNotOptimize(bins.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWindowSize));
}

// The per-window feature extraction, with or without the extended time features.
void RunVibrationFeatures(benchmark::State& state, bool extended) {
  const auto& windows = Windows();
  VibrationFeatureConfig config{kRateHz, kWindowSize, DefaultVibrationBands(kRateHz), extended};
  VibrationFeatureExtractor extractor = VibrationFeatureExtractor::Create(config).value();
  std::vector<double> out(extractor.names().size());
  size_t i = 0;
  for (auto _ : state) {
    Status s = extractor.Compute(windows[i++ % kWindowCount], out);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWindowSize));
}

void BM_VibrationFeatures(benchmark::State& state) { RunVibrationFeatures(state, false); }

// The per-window edge path with the extended time features (skewness, shape, impulse, p-p).
void BM_VibrationFeaturesExtended(benchmark::State& state) { RunVibrationFeatures(state, true); }

// The slow-cadence condition analysis of one window: kurtogram, envelope spectra of every
// candidate band (raw and pre-whitened), Welch spectrum, ISO velocity, diagnosis.
void BM_FullAnalysis(benchmark::State& state) {
  const auto& windows = Windows();
  MachineContext context;
  context.sample_rate_hz = kRateHz;
  context.shaft_hz = 29.5;
  context.bearing = ComputeBearingOrders(Bearing6205());
  // 16384-sample segments: two 50 %-overlapping segments per one-second window.
  SignalAnalyzer analyzer = SignalAnalyzer::Create(context, 16384).value();
  size_t i = 0;
  for (auto _ : state) {
    Result<Analysis> a = analyzer.Analyze(windows[i++ % kWindowCount]);
    if (!a.ok()) {
      state.SkipWithError(a.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(a->diagnosis.confidence);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWindowSize));
}

// The per-window edge path as a gateway runs it: ten 100 ms batches through the quality gate (all
// rules at their defaults: finite, range, stuck, spike, timing), then the window's features.
void BM_QualityGateAndFeatures(benchmark::State& state) {
  const auto& windows = Windows();
  const Timestamp kStart = FromNanos(1767592800'000'000'000);
  SimulatedClock clock(kStart);
  quality::QualityGate gate(quality::QualityConfig{}, clock);
  VibrationFeatureExtractor extractor =
      VibrationFeatureExtractor::Create({kRateHz, kWindowSize, DefaultVibrationBands(kRateHz)})
          .value();
  std::vector<double> out(extractor.names().size());
  constexpr size_t kBatches = 10;
  constexpr size_t kBatchSize = kWindowSize / kBatches;
  SampleBatch batch;
  batch.asset = "bench-asset";
  batch.channel = "vib_de";
  batch.kind = ChannelKind::kVibration;
  batch.sample_rate_hz = kRateHz;
  batch.values.resize(kBatchSize);
  uint64_t sample_index = 0;
  size_t i = 0;
  size_t flagged = 0;
  for (auto _ : state) {
    const std::vector<float>& w = windows[i++ % kWindowCount];
    for (size_t b = 0; b < kBatches; ++b) {
      // Consecutive batches of one stream, so the timing rules see a healthy channel.
      batch.start = kStart + SampleOffset(sample_index, kRateHz);
      clock.AdvanceTo(batch.End());  // the gateway's clock moves with the data it receives
      std::copy(w.begin() + b * kBatchSize, w.begin() + (b + 1) * kBatchSize, batch.values.begin());
      flagged += gate.Check(batch).size();
      sample_index += kBatchSize;
    }
    Status s = extractor.Compute(w, out);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (flagged != 0) {
    // A clean stream must pass every rule; otherwise this would time the quarantine path.
    state.SkipWithError("the gate flagged the clean benchmark stream");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWindowSize));
}

BENCHMARK(BM_FftwExecuteOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QualityGateAndFeatures)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_VibrationFeatures)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_VibrationFeaturesExtended)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FullAnalysis)->Unit(benchmark::kMillisecond);

// Prints as usual and remembers each benchmark's median real time per window (or its single
// run's time when repetitions are 1 and there is no median).

}  // namespace
}  // namespace edgeloop::dsp

int main(int argc, char** argv) {
  if (!edgeloop::bench::InitBenchmarks(argc, argv)) return 1;
  edgeloop::bench::MedianCapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const double fftw_s = reporter.SecondsPerIteration("BM_FftwExecuteOnly");
  const double features_s = reporter.SecondsPerIteration("BM_VibrationFeatures");
  if (fftw_s <= 0.0 || features_s <= 0.0) {
    std::printf("summary needs both BM_FftwExecuteOnly and BM_VibrationFeatures to run\n");
    return 0;
  }
  const double samples = static_cast<double>(edgeloop::dsp::kWindowSize);
  const double features_rate = samples / features_s;
  std::printf(
      "features: %.1f Msamples/s | fftw execute alone: %.1f Msamples/s | features cost = %.2f x "
      "FFTW execute | channels at 25.6 kHz per core: %.0f\n",
      features_rate / 1e6, samples / fftw_s / 1e6, features_s / fftw_s,
      std::floor(features_rate / edgeloop::dsp::kRateHz));
  const double gate_s = reporter.SecondsPerIteration("BM_QualityGateAndFeatures");
  if (gate_s > 0.0) {
    // The floor: quality gate + features for 100 channels at 25.6 kHz on one core.
    const double channels = std::floor(samples / gate_s / edgeloop::dsp::kRateHz);
    std::printf(
        "quality gate + features: %.1f Msamples/s | cost = %.2f x FFTW execute | channels at "
        "25.6 kHz per core: %.0f (goal >= 100: %s)\n",
        samples / gate_s / 1e6, gate_s / fftw_s, channels, channels >= 100 ? "met" : "MISSED");
  }
  const double extended_s = reporter.SecondsPerIteration("BM_VibrationFeaturesExtended");
  if (extended_s > 0.0) {
    std::printf("extended features: %.1f Msamples/s | cost = %.2f x FFTW execute\n",
                samples / extended_s / 1e6, extended_s / fftw_s);
  }
  const double analysis_s = reporter.SecondsPerIteration("BM_FullAnalysis");
  if (analysis_s > 0.0) {
    // The analysis runs on a slower cadence: how many 1 s windows per channel and minute one core
    // can afford at 100 channels.
    std::printf(
        "full analysis (envelope + spectral + ISO + diagnosis): %.2f ms per 1 s window | %.3f "
        "Msamples/s | cost = %.0f x FFTW execute | one core: every channel of 100 once per "
        "%.1f s\n",
        analysis_s * 1e3, samples / analysis_s / 1e6, analysis_s / fftw_s, 100.0 * analysis_s);
  }
  return 0;
}
