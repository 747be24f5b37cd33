#include "demo/report.h"

#include <fmt/format.h>

#include <string>

#include "common/duration.h"

namespace edgeloop::demo {
namespace {

std::string Count(uint64_t n) {
  if (n >= 1'000'000) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f}k", n / 1e3);
  return std::to_string(n);
}

std::string Since(Timestamp start, Timestamp t) { return "t+" + FormatDuration(t - start); }

std::string Health(const AssetOutcome& a) {
  if (a.stats.alert_active) return "ALERT";
  if (a.stats.alerts_opened > 0) return "alert cleared";
  if (a.stats.windows_scored == 0) return "learning";
  return "normal";
}

}  // namespace

void ProgressPrinter::operator()(const DemoProgress& p) {
  if (!hub_shown_ && !p.hub_url.empty()) {
    hub_shown_ = true;
    fmt::print(out_, "hub: {} (API under /v1, OpenAPI at /v1/openapi.json)\n", p.hub_url);
    std::fflush(out_);
  }
  if (live_) {
    // Redraw at most every 2 simulated seconds, and always at the end.
    if (p.simulated < p.total && last_draw_ >= Duration::zero() &&
        p.simulated - last_draw_ < std::chrono::seconds(2)) {
      return;
    }
    last_draw_ = p.simulated;
    PrintTable(p);
  } else {
    PrintLine(p);
  }
}

void ProgressPrinter::PrintLine(const DemoProgress& p) {
  const double fraction = ToSeconds(p.simulated) / ToSeconds(p.total);
  if (fraction * 10 < next_decile_ && p.simulated < p.total) return;
  while (next_decile_ <= fraction * 10) ++next_decile_;
  uint64_t samples = 0, windows = 0;
  std::string alerts;
  for (const AssetOutcome& a : p.assets) {
    samples += a.stats.samples;
    windows += a.stats.windows_learning + a.stats.windows_scored + a.stats.windows_rejected;
    if (a.stats.alert_active) alerts += (alerts.empty() ? "" : ", ") + a.asset;
  }
  fmt::print(out_, "[{:3.0f}%] {} of {} simulated in {} | {} samples | {} windows | alerts: {}\n",
             fraction * 100, FormatDuration(p.simulated), FormatDuration(p.total),
             FormatDuration(p.wall), Count(samples), Count(windows),
             alerts.empty() ? "none" : alerts);
  std::fflush(out_);
}

void ProgressPrinter::PrintTable(const DemoProgress& p) {
  std::string text;
  if (table_lines_ > 0) text += fmt::format("\x1b[{}F\x1b[J", table_lines_);  // back up, clear
  const double fraction = ToSeconds(p.simulated) / ToSeconds(p.total);
  const int filled = static_cast<int>(fraction * 30);
  text += fmt::format("Edgeloop demo  [{}{}] {:3.0f}%  {} of {} simulated ({} real)\n",
                      std::string(filled, '#'), std::string(30 - filled, '.'), fraction * 100,
                      FormatDuration(p.simulated), FormatDuration(p.total), FormatDuration(p.wall));
  text += fmt::format("  {:<10} {:<16} {:>9} {:>8} {:>7} {:>11}  {}\n", "gateway", "asset",
                      "samples", "windows", "score", "quarantined", "state");
  for (const AssetOutcome& a : p.assets) {
    const uint64_t windows =
        a.stats.windows_learning + a.stats.windows_scored + a.stats.windows_rejected;
    text += fmt::format("  {:<10} {:<16} {:>9} {:>8} {:>7.1f} {:>11}  {}\n", a.gateway, a.asset,
                        Count(a.stats.samples), windows, a.stats.last_score,
                        a.stats.quarantined_samples, Health(a));
  }
  table_lines_ = static_cast<int>(2 + p.assets.size());
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
}

void PrintHubSummary(const HubSummary& h, std::FILE* out) {
  if (h.url.empty()) return;
  int64_t windows = 0, batches = 0;
  for (const HubNodeSummary& n : h.nodes) {
    windows += n.windows;
    batches += n.batches;
  }
  fmt::print(out, "\nhub {} ({}): {} feature-window rows ingested in {} batches, {} alert(s)\n",
             h.url, h.db, windows, batches, h.alerts.size());
  fmt::print(out, "  {:<12} {:>8} {:>9} {:>17}  {}\n", "node", "batches", "windows",
             "inference uptime", "status");
  for (const HubNodeSummary& n : h.nodes) {
    fmt::print(out, "  {:<12} {:>8} {:>9} {:>16.2f}%  {}\n", n.node, n.batches, n.windows,
               n.inference_uptime * 100, n.status);
  }
  for (const HubAlertSummary& a : h.alerts) {
    fmt::print(out, "  alert #{}: {} on {} ({}, peak score {:.1f}, {}), opened {}\n", a.id, a.asset,
               a.node, a.severity, a.peak_score, a.state, a.opened);
  }
  if (h.undelivered_batches > 0) {
    fmt::print(out, "  WARNING: {} batches were not delivered to the hub in time\n",
               h.undelivered_batches);
  }
  fmt::print(out, "  admin token: {} (e.g. edgeloop ctl --hub {} --token-file {} alerts list)\n",
             h.admin_token_file, h.url, h.admin_token_file);
}

void PrintSummary(const DemoSummary& s, std::FILE* out) {
  const double speedup = ToSeconds(s.wall) > 0 ? ToSeconds(s.simulated) / ToSeconds(s.wall) : 0;
  fmt::print(out,
             "\nEdgeloop demo {}: {} of plant time simulated in {} ({:.0f}x real time), seed {}\n",
             s.cancelled ? "interrupted" : "finished", FormatDuration(s.simulated),
             FormatDuration(s.wall), speedup, s.seed);
  uint64_t learning = 0, scored = 0, rejected = 0, quarantined = 0;
  for (const AssetOutcome& a : s.assets) {
    learning += a.stats.windows_learning;
    scored += a.stats.windows_scored;
    rejected += a.stats.windows_rejected;
    quarantined += a.stats.quarantined_samples;
  }
  fmt::print(out,
             "samples processed: {} ({} assets, vibration at {:.1f} kHz + temperature at 1 Hz)\n"
             "windows: {} ({} learning the baseline, {} scored, {} rejected by the quality gate)\n"
             "quarantined samples: {} | gateway queue backpressure waits: {}\n\n",
             s.TotalSamples(), s.assets.size(), s.vibration_rate_hz / 1000, s.TotalWindows(),
             learning, scored, rejected, quarantined, s.backpressure_waits);

  fmt::print(out, "  {:<10} {:<16} {:<16} {:>7} {:>6} {:>12} {:>12} {:>10}  {}\n", "gateway",
             "asset", "truth", "windows", "alerts", "fault onset", "first alert", "delay",
             "diagnosis");
  for (const AssetOutcome& a : s.assets) {
    const uint64_t windows =
        a.stats.windows_learning + a.stats.windows_scored + a.stats.windows_rejected;
    std::string truth = a.fault_onset           ? a.fault_kind
                        : a.has_sensor_glitches ? "glitchy"
                                                : "healthy";
    std::string onset = a.fault_onset ? Since(s.start, *a.fault_onset) : "-";
    std::string first = a.stats.first_alert ? Since(s.start, *a.stats.first_alert) : "-";
    std::string delay = a.fault_onset && a.stats.first_alert
                            ? "+" + FormatDuration(*a.stats.first_alert - *a.fault_onset)
                            : "-";
    fmt::print(out, "  {:<10} {:<16} {:<16} {:>7} {:>6} {:>12} {:>12} {:>10}  {}\n", a.gateway,
               a.asset, truth, windows, a.stats.alerts_opened, onset, first, delay,
               a.stats.diagnosis.empty() ? "-" : a.stats.diagnosis);
  }

  const AssetOutcome* f = s.Faulty();
  const auto false_alarms = s.FalseAlarms();
  fmt::print(out, "\n");
  if (f && f->stats.first_alert && *f->stats.first_alert >= *f->fault_onset) {
    fmt::print(out, "result: {} {} fault detected {} after onset, diagnosed {}", f->asset,
               f->fault_kind, FormatDuration(*f->stats.first_alert - *f->fault_onset),
               f->stats.diagnosis.empty() ? "-" : f->stats.diagnosis);
  } else if (f && f->fault_onset && *f->fault_onset > s.start + s.simulated) {
    fmt::print(out, "result: the run ended before {}'s fault began", f->asset);
  } else if (f) {
    fmt::print(out, "result: {} {} fault NOT detected", f->asset, f->fault_kind);
  }
  fmt::print(out, "; {} false alert(s) on {} healthy assets\n", false_alarms.size(),
             s.assets.size() - 1);
  if (s.batches_refused > 0) fmt::print(out, "refused batches: {}\n", s.batches_refused);
  fmt::print(out, "data: ");
  for (size_t i = 0; i < s.store_paths.size(); ++i) {
    fmt::print(out, "{}{}", i ? ", " : "", s.store_paths[i]);
  }
  if (!s.store_paths.empty()) {
    fmt::print(
        out, "\n  try: sqlite3 {} 'SELECT asset, peak_score, top_feature, diagnosis FROM alerts'\n",
        s.store_paths.front());
  }
  PrintHubSummary(s.hub, out);
  std::fflush(out);
}

}  // namespace edgeloop::demo
