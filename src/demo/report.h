// Human-facing output of the demo: progress while it runs and the summary at the end.
// Times are shown relative to the start of the simulated plant ("t+34.0s").
#pragma once

#include <cstdio>

#include "demo/demo_runner.h"

namespace edgeloop::demo {

// Prints progress. Live mode (a terminal) redraws a per-asset table in place a few times a
// second; plain mode (headless, logs, CI) prints one line at every 10 % of the run.
// Called from the demo's driver thread only.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool live) : out_(out), live_(live) {}
  void operator()(const DemoProgress& p);

 private:
  void PrintLine(const DemoProgress& p);
  void PrintTable(const DemoProgress& p);

  std::FILE* out_;
  bool live_;
  int next_decile_ = 1;
  int table_lines_ = 0;  // lines drawn last time, to move the cursor back over them
  Duration last_draw_{-1};
  bool hub_shown_ = false;
};

void PrintSummary(const DemoSummary& summary, std::FILE* out);
// The hub's side: rows ingested, uptime per node, alerts.
void PrintHubSummary(const HubSummary& hub, std::FILE* out);

}  // namespace edgeloop::demo
