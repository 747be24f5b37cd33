#include "dsp/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace edgeloop::dsp {
namespace {

std::string Format(const char* fmt, double a, double b, double c, double d) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}

Evidence PeakEvidence(const EnvelopePeak& p) {
  Evidence e;
  e.name = std::string(p.name);
  e.measured_hz = p.measured_hz;
  e.theoretical_hz = p.theoretical_hz;
  e.amplitude = p.amplitude;
  e.snr_db = p.snr_db;
  const double err =
      p.theoretical_hz > 0.0 ? 100.0 * (p.measured_hz / p.theoretical_hz - 1.0) : 0.0;
  e.text = std::string(p.name) +
           Format(": envelope line at %.2f Hz (theory %.2f Hz, %+.2f %%), %.1f dB above floor",
                  p.measured_hz, p.theoretical_hz, err, p.snr_db) +
           Format("; 2x %.1f dB, 3x %.1f dB, sideband %.1f dB", p.harmonic_snr_db[0],
                  p.harmonic_snr_db[1], p.sideband_snr_db, 0) +
           Format("; band %.0f-%.0f Hz", p.band_low_hz, p.band_high_hz, 0, 0) +
           (p.prewhitened ? " (pre-whitened)" : "");
  return e;
}

// True when `hz` sits on a half-order of the shaft speed: a shaft-synchronous line.
bool OnShaftHalfOrder(double hz, double shaft_hz) {
  if (!(shaft_hz > 0.0) || !(hz > 0.0)) return false;
  const double half_orders = hz / (0.5 * shaft_hz);
  const double nearest = std::round(half_orders);
  // Within the relative tolerance, or within about one envelope-spectrum bin (~1 Hz), whichever
  // is wider: a synchronous line cannot be located more finely than the spectrum resolves it.
  const double off_hz = std::abs(half_orders - nearest) * 0.5 * shaft_hz;
  return nearest >= 1.0 && off_hz <= std::max(kSynchronousTolerance * hz, kSynchronousToleranceHz);
}

bool RaceQualifies(const EnvelopePeak& p, double shaft_hz) {
  return !OnShaftHalfOrder(p.measured_hz, shaft_hz) && p.snr_db >= kRaceFundamentalDb &&
         std::max(p.harmonic_snr_db[0], p.harmonic_snr_db[1]) >= kRaceHarmonicDb;
}

double RaceScore(const EnvelopePeak& p) {
  return p.snr_db +
         0.5 * (std::max(0.0, p.harmonic_snr_db[0]) + std::max(0.0, p.harmonic_snr_db[1]));
}

double BallScore(const EnvelopePeak& p, double shaft_hz) {
  if (OnShaftHalfOrder(p.measured_hz, shaft_hz)) return 0.0;
  return std::min(p.snr_db, p.sideband_snr_db);
}

// Maps how far `value` clears `threshold` to (0.5, 0.99]: at the threshold a coin toss, twice
// the threshold nearly certain.
double Confidence(double value, double threshold) {
  return std::clamp(0.5 + 0.5 * (value - threshold) / threshold, 0.5, 0.99);
}

}  // namespace

std::string_view ConditionName(Condition condition) {
  switch (condition) {
    case Condition::kHealthy:
      return "healthy";
    case Condition::kInnerRace:
      return "inner_race";
    case Condition::kOuterRace:
      return "outer_race";
    case Condition::kRollingElement:
      return "rolling_element";
    case Condition::kImbalance:
      return "imbalance";
    case Condition::kMisalignment:
      return "misalignment";
    case Condition::kLooseness:
      return "looseness";
  }
  return "unknown";
}

Diagnosis Diagnose(const DiagnosisInputs& in) {
  Diagnosis d;
  // Every family is reported, so a reader sees what was looked for and how close it came.
  for (const EnvelopePeak* p : {&in.bpfo, &in.bpfi, &in.ball, &in.ftf}) {
    if (p->theoretical_hz > 0.0) d.evidence.push_back(PeakEvidence(*p));
  }
  Evidence vel;
  vel.name = "velocity_rms";
  vel.amplitude = in.velocity_rms_mm_s;
  vel.text = Format(
                 "ISO 10816-3 velocity %.2f mm/s RMS (10-1000 Hz); 1x %.2f, 2x %.2f, 3x %.2f "
                 "mm/s peak",
                 in.velocity_rms_mm_s, in.order_velocity_mm_s[0], in.order_velocity_mm_s[1],
                 in.order_velocity_mm_s[2]) +
             ", zone " + std::string(IsoZoneName(in.zone));
  d.evidence.push_back(vel);

  const bool outer = RaceQualifies(in.bpfo, in.shaft_hz);
  const bool inner = RaceQualifies(in.bpfi, in.shaft_hz);
  // A ball family's harmonics can land within the ±2 % race search windows (on a 6205, 3.5 x
  // 2xBSF is 3 x BPFI within 0.3 %), so a strong ball defect can lift a race line just over its
  // threshold. When both qualify, the family that clears its own threshold by more wins.
  const double ball_margin = BallScore(in.ball, in.shaft_hz) - kBallDb;
  const double race_margin =
      std::max(outer ? in.bpfo.snr_db : -1e9, inner ? in.bpfi.snr_db : -1e9) - kRaceFundamentalDb;
  if ((outer || inner) && !(ball_margin >= 0 && ball_margin > race_margin)) {
    const bool pick_outer = outer && (!inner || RaceScore(in.bpfo) >= RaceScore(in.bpfi));
    const EnvelopePeak& p = pick_outer ? in.bpfo : in.bpfi;
    d.condition = pick_outer ? Condition::kOuterRace : Condition::kInnerRace;
    d.confidence = Confidence(p.snr_db, kRaceFundamentalDb);
    return d;
  }
  if (BallScore(in.ball, in.shaft_hz) >= kBallDb) {
    d.condition = Condition::kRollingElement;
    d.confidence = Confidence(BallScore(in.ball, in.shaft_hz), kBallDb);
    return d;
  }
  if (in.zone == IsoZone::kC || in.zone == IsoZone::kD) {
    const double v1 = in.order_velocity_mm_s[0];
    const double v2 = in.order_velocity_mm_s[1];
    const double v3 = in.order_velocity_mm_s[2];
    // Peak -> RMS of the 1x line, compared with the broadband RMS.
    const double share_1x =
        in.velocity_rms_mm_s > 0.0 ? v1 / std::sqrt(2.0) / in.velocity_rms_mm_s : 0.0;
    const double vh = in.half_order_velocity_mm_s;
    if (v1 > 0.0 && vh >= 0.25 * v1) {
      d.condition = Condition::kLooseness;
      d.confidence = Confidence(vh / v1, 0.25);
    } else if (v1 > 0.0 && std::max(v2, v3) >= 0.5 * v1) {
      d.condition = Condition::kMisalignment;
      d.confidence = Confidence(std::max(v2, v3) / v1, 0.5);
    } else if (share_1x >= 0.5) {
      d.condition = Condition::kImbalance;
      d.confidence = Confidence(share_1x, 0.5);
    } else {
      // Severe but none of the patterns: report healthy-by-pattern with low confidence, the
      // evidence (zone C/D) says the rest.
      d.condition = Condition::kHealthy;
      d.confidence = 0.3;
    }
    return d;
  }
  // Healthy: confident in proportion to how far the strongest candidate stays below threshold.
  const double worst =
      std::max({in.bpfo.snr_db / kRaceFundamentalDb, in.bpfi.snr_db / kRaceFundamentalDb,
                BallScore(in.ball, in.shaft_hz) / kBallDb, 0.0});
  d.condition = Condition::kHealthy;
  d.confidence = std::clamp(1.0 - 0.5 * worst, 0.5, 0.99);
  return d;
}

}  // namespace edgeloop::dsp
