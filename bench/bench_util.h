// Shared plumbing of the benchmark binaries: our default flags, and a reporter that keeps each
// benchmark's median so main() can print ratios against the reference measured in the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace edgeloop::bench {

// benchmark::Initialize with 5 repetitions and aggregates only; flags given on the command line
// come after ours, so they override them. False when an argument is not recognised.
inline bool InitBenchmarks(int argc, char** argv) {
  std::vector<char*> args = {argv[0]};
  static std::string repetitions = "--benchmark_repetitions=5";
  static std::string aggregates_only = "--benchmark_report_aggregates_only=true";
  args.push_back(repetitions.data());
  args.push_back(aggregates_only.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int args_count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&args_count, args.data());
  return !benchmark::ReportUnrecognizedArguments(args_count, args.data());
}

// Prints like the console reporter and keeps, per benchmark, the median run (or the single run
// when there are no repetitions): its real seconds per iteration and its items_per_second.
// Keys are the function name, plus "/" and the arguments when the benchmark has any
// ("BM_Gbdt/rounds:100/batch:64").
class MedianCapturingReporter : public benchmark::ConsoleReporter {
 public:
  explicit MedianCapturingReporter(OutputOptions options = OO_Defaults)
      : ConsoleReporter(options) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      std::string key = run.run_name.function_name;
      if (!run.run_name.args.empty()) key += "/" + run.run_name.args;
      Value v;
      v.seconds = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
      if (auto it = run.counters.find("items_per_second"); it != run.counters.end()) {
        v.items_per_second = it->second.value;
      }
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        median_[key] = v;
      } else if (run.run_type == Run::RT_Iteration && !median_.contains(key)) {
        single_[key] = v;
      }
    }
  }

  // 0 when the benchmark did not run (filtered out or failed).
  double SecondsPerIteration(const std::string& key) const { return Find(key).seconds; }
  double ItemsPerSecond(const std::string& key) const { return Find(key).items_per_second; }

 private:
  struct Value {
    double seconds = 0;
    double items_per_second = 0;
  };
  Value Find(const std::string& key) const {
    if (auto it = median_.find(key); it != median_.end()) return it->second;
    if (auto it = single_.find(key); it != single_.end()) return it->second;
    return {};
  }
  std::map<std::string, Value> median_, single_;
};

}  // namespace edgeloop::bench
