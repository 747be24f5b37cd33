#include "edge/windower.h"

#include <gtest/gtest.h>

#include <numeric>

namespace edgeloop::edge {
namespace {

SampleBatch Ramp(Timestamp start, size_t n, float first, double rate = 100) {
  SampleBatch b;
  b.asset = "a";
  b.channel = "vib";
  b.start = start;
  b.sample_rate_hz = rate;
  b.values.resize(n);
  std::iota(b.values.begin(), b.values.end(), first);
  return b;
}

const Timestamp kT0 = FromNanos(1'000'000'000'000);

TEST(WindowerTest, JoinsBatchesIntoExactWindowsWithIndexDerivedTimes) {
  Windower w(10);
  std::vector<std::pair<Timestamp, std::vector<float>>> got;
  auto sink = [&](const Window& win) {
    got.emplace_back(win.start, std::vector<float>(win.values.begin(), win.values.end()));
    EXPECT_EQ(win.end - win.start, std::chrono::milliseconds(100));
  };
  // 7 + 7 + 7 = 21 samples at 100 Hz: two windows, one sample left over.
  w.Append(Ramp(kT0, 7, 0), {}, sink);
  w.Append(Ramp(kT0 + std::chrono::milliseconds(70), 7, 7), {}, sink);
  w.Append(Ramp(kT0 + std::chrono::milliseconds(140), 7, 14), {}, sink);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, kT0);
  EXPECT_EQ(got[1].first, kT0 + std::chrono::milliseconds(100));
  EXPECT_EQ(got[0].second.front(), 0);
  EXPECT_EQ(got[0].second.back(), 9);
  EXPECT_EQ(got[1].second.front(), 10);
  EXPECT_EQ(w.partial_windows_discarded(), 0u);
}

TEST(WindowerTest, GapDiscardsThePartialWindowAndRestarts) {
  Windower w(10);
  std::vector<Timestamp> starts;
  auto sink = [&](const Window& win) { starts.push_back(win.start); };
  w.Append(Ramp(kT0, 5, 0), {}, sink);
  const Timestamp after_gap = kT0 + std::chrono::seconds(3);
  w.Append(Ramp(after_gap, 10, 100), {}, sink);
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0], after_gap);
  EXPECT_EQ(w.partial_windows_discarded(), 1u);
}

TEST(WindowerTest, CountsFlaggedSamplesPerWindowAcrossBoundaries) {
  Windower w(10);
  std::vector<size_t> flagged;
  auto sink = [&](const Window& win) { flagged.push_back(win.flagged_samples); };
  // Run of 4 flagged samples at indices 8..11 straddles windows 0 and 1; one more at 25.
  std::vector<quality::QuarantineRun> runs = {{8, 4, quality::Rule::kNotFinite, 0},
                                              {25, 1, quality::Rule::kOutOfRange, 99}};
  w.Append(Ramp(kT0, 30, 0), runs, sink);
  ASSERT_EQ(flagged.size(), 3u);
  EXPECT_EQ(flagged[0], 2u);
  EXPECT_EQ(flagged[1], 2u);
  EXPECT_EQ(flagged[2], 1u);
}

TEST(WindowerTest, NonIntegerNanosecondRatesDoNotDrift) {
  // 25.6 kHz has a 39062.5 ns interval; after 100 windows the start must still be exact.
  Windower w(2560);
  Timestamp last;
  auto sink = [&](const Window& win) { last = win.start; };
  for (int i = 0; i < 1000; ++i) {
    w.Append(Ramp(kT0 + SampleOffset(static_cast<uint64_t>(i) * 256, 25600), 256, 0, 25600), {},
             sink);
  }
  EXPECT_EQ(w.windows_emitted(), 100u);
  EXPECT_EQ(last, kT0 + std::chrono::milliseconds(9900));
}

}  // namespace
}  // namespace edgeloop::edge
