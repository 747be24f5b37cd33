// `edgeloop eval skab|nab DIR [--detector NAME|all] [--out DIR]`: run a public benchmark's own
// protocol with the product's detectors and print its leaderboard with the published rows.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "detect/detector.h"
#include "eval/nab_corpus.h"
#include "eval/report.h"
#include "eval/skab.h"

namespace edgeloop::cli {
namespace {

struct EvalArgs {
  std::string dir;
  std::string detector = "all";
  std::string out;
  bool quiet = false;
};

int Fail(std::string_view benchmark, int code, const Status& s) {
  fmt::print(stderr, "edgeloop eval {}: {}\n", benchmark, s.message());
  return code;
}

// The detectors of the right kind that `name` selects ("all": every registered one).
Result<std::vector<std::string>> ResolveDetectors(const std::string& name, bool multivariate) {
  const char* kind = multivariate ? "multivariate" : "streaming";
  std::vector<std::string> fitting, other;
  for (const detect::DetectorInfo& d : detect::ListDetectors()) {
    (d.multivariate == multivariate ? fitting : other).push_back(d.name);
  }
  const auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? std::string("none") : out;
  };
  if (name == "all") {
    if (fitting.empty()) return NotFound(fmt::format("no {} detectors are registered", kind));
    return fitting;
  }
  for (const auto& n : fitting) {
    if (n == name) return std::vector<std::string>{name};
  }
  for (const auto& n : other) {
    if (n == name) {
      return InvalidArgument(
          fmt::format("'{}' is not a {} detector; {} ones: {}", name, kind, kind, list(fitting)));
    }
  }
  return NotFound(
      fmt::format("unknown detector '{}'; {} detectors: {}", name, kind, list(fitting)));
}

Status WriteJson(const std::filesystem::path& path, const nlohmann::json& j) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return IoError("cannot write " + path.string());
  return Status::Ok();
}

eval::ProgressFn Progress(bool quiet) {
  if (quiet) return nullptr;
  return [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
}

int RunNabEval(const EvalArgs& args) {
  auto names = ResolveDetectors(args.detector, /*multivariate=*/false);
  if (!names.ok()) return Fail("nab", 2, names.status());
  std::error_code ec;
  if (!std::filesystem::is_directory(args.dir, ec)) {
    return Fail("nab", 2, NotFound("no directory " + args.dir));
  }
  auto data = eval::LoadNabCorpus(args.dir);
  if (!data.ok()) return Fail("nab", 1, data.status());
  std::vector<eval::NabRunResult> runs;
  for (const std::string& name : *names) {
    eval::NabRunOptions options;
    options.detector = name;
    options.make = [name](const detect::StreamInfo& info) {
      return detect::MakeStreamingDetector(name, info);
    };
    options.results_dir = args.out;
    options.progress = Progress(args.quiet);
    auto run = eval::RunNab(*data, options);
    if (!run.ok()) return Fail("nab", 1, run.status());
    runs.push_back(std::move(run).value());
  }
  fmt::print("{}", eval::FormatNabLeaderboard(runs, *data));
  if (!args.out.empty()) {
    nlohmann::json summary = {
        {"benchmark", "nab"}, {"dir", args.dir}, {"runs", nlohmann::json::array()}};
    nlohmann::json final_results = nlohmann::json::object();  // NAB's final_results.json shape
    for (const auto& r : runs) {
      summary["runs"].push_back(eval::NabRunToJson(r));
      for (const auto& p : r.profiles) final_results[r.detector][p.profile.name] = p.normalized;
    }
    const std::filesystem::path out(args.out);
    Status s = WriteJson(out / "summary.json", summary);
    if (s.ok()) s = WriteJson(out / "final_results.json", final_results);
    if (!s.ok()) return Fail("nab", 1, s);
    fmt::print("\nresults in {} (NAB's layout), summary in {}\n", args.out,
               (out / "summary.json").string());
  }
  return 0;
}

int RunSkabEval(const EvalArgs& args) {
  auto names = ResolveDetectors(args.detector, /*multivariate=*/true);
  if (!names.ok()) return Fail("skab", 2, names.status());
  std::error_code ec;
  if (!std::filesystem::is_directory(args.dir, ec)) {
    return Fail("skab", 2, NotFound("no directory " + args.dir));
  }
  auto data = eval::LoadSkab(args.dir);
  if (!data.ok()) return Fail("skab", 1, data.status());
  if (!args.quiet) {
    for (const std::string& s : data->skipped) fmt::print(stderr, "skab: skipped {}\n", s);
  }
  std::vector<eval::SkabRunResult> runs;
  for (const std::string& name : *names) {
    eval::SkabOptions options;
    options.detector = name;
    options.make = [name]() { return detect::MakeMultivariateDetector(name); };
    options.results_dir = args.out;
    options.progress = Progress(args.quiet);
    auto run = eval::RunSkab(*data, options);
    if (!run.ok()) return Fail("skab", 1, run.status());
    runs.push_back(std::move(run).value());
  }
  fmt::print("{}", eval::FormatSkabLeaderboard(runs, *data));
  if (!args.out.empty()) {
    nlohmann::json summary = {{"benchmark", "skab"},
                              {"dir", args.dir},
                              {"skipped", data->skipped},
                              {"runs", nlohmann::json::array()}};
    for (const auto& r : runs) summary["runs"].push_back(eval::SkabRunToJson(r));
    const std::filesystem::path path = std::filesystem::path(args.out) / "summary.json";
    if (Status s = WriteJson(path, summary); !s.ok()) return Fail("skab", 1, s);
    fmt::print("\nper-row results in {}, summary in {}\n", args.out, path.string());
  }
  return 0;
}

void AddBenchmark(CLI::App& eval_cmd, const char* name, const char* help, bool multivariate,
                  int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = eval_cmd.add_subcommand(name, help);
  cmd->add_option("dir", args->dir, "Benchmark folder (searched as the benchmark lays it out)")
      ->required();
  cmd->add_option("--detector", args->detector,
                  multivariate ? "A multivariate detector's name, or all (default)"
                               : "A streaming detector's name, or all (default)");
  cmd->add_option("--out", args->out, "Write result files and summary.json into this folder");
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->callback([args, multivariate, &exit_code] {
    exit_code = multivariate ? RunSkabEval(*args) : RunNabEval(*args);
  });
}

}  // namespace

void AddEvalCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "eval", "Run a public anomaly benchmark's own protocol and print its leaderboard");
  cmd->require_subcommand(1);
  AddBenchmark(*cmd, "skab",
               "SKAB: first 400 rows of each labelled file train, the rest is scored; point-wise "
               "F1/FAR/MAR and changepoint NAB scores (60 s window)",
               /*multivariate=*/true, exit_code);
  AddBenchmark(*cmd, "nab",
               "NAB: data/<category>/*.csv + labels/combined_windows.json; results in NAB's "
               "format, scored with NAB's rules (threshold optimised over the corpus)",
               /*multivariate=*/false, exit_code);
}

}  // namespace edgeloop::cli
