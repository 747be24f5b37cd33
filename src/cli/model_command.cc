// `edgeloop model inspect|run|train|eval`: the model lifecycle on one machine.
#include <fmt/format.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "model/interpreter.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "train/batch_runner.h"
#include "train/dataset.h"

namespace edgeloop::cli {
namespace {

double PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string ShapeText(const model::Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) {
    out += (i ? ", " : "") + (s[i] < 0 ? std::string("N") : std::to_string(s[i]));
  }
  return out + "]";
}

nlohmann::json InspectJson(const model::OnnxModel& m, size_t file_bytes) {
  using nlohmann::json;
  const auto& g = m.graph();
  std::map<std::string, int> ops;
  for (const auto& n : g.node()) {
    ops[(n.domain().empty() || n.domain() == "ai.onnx" ? "" : n.domain() + ":") + n.op_type()]++;
  }
  // Weights live in initializers, and for tree ensembles in the nodes' attribute arrays.
  int64_t params = 0;
  for (const auto& init : g.initializer()) {
    int64_t count = 1;
    for (int64_t d : init.dims()) count *= d;
    params += count;
  }
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) params += a.ints_size() + a.floats_size();
  }
  json inputs = json::array(), outputs = json::array(), opsets = json::object();
  for (const auto& v : m.inputs()) {
    inputs.push_back({{"name", v.name},
                      {"type", model::DTypeName(static_cast<int32_t>(v.dtype))},
                      {"shape", ShapeText(v.shape)}});
  }
  for (const auto& v : m.outputs()) {
    outputs.push_back({{"name", v.name},
                       {"type", model::DTypeName(static_cast<int32_t>(v.dtype))},
                       {"shape", v.shape.rank ? ShapeText(v.shape) : "?"}});
  }
  for (const auto& imp : m.proto().opset_import()) {
    opsets[imp.domain().empty() ? "ai.onnx" : imp.domain()] = imp.version();
  }
  json out = {{"file", m.source()},
              {"bytes", file_bytes},
              {"producer", m.proto().producer_name() + " " + m.proto().producer_version()},
              {"ir_version", m.proto().ir_version()},
              {"opsets", opsets},
              {"inputs", inputs},
              {"outputs", outputs},
              {"nodes", g.node_size()},
              {"ops", ops},
              {"parameters", params}};
  auto session = model::InferenceSession::Create(m, 1);
  if (session.ok()) out["planned_bytes_batch1"] = session->planned_bytes();
  auto meta = model::ReadMetadata(m.proto());
  if (meta.ok()) {
    out["metadata"] = model::MetadataToJson(*meta);
  } else if (meta.status().code() != StatusCode::kNotFound) {
    out["metadata_error"] = meta.status().message();
  }
  return out;
}

void PrintInspect(const nlohmann::json& j) {
  fmt::print("model      {}\n", j["file"].get<std::string>());
  fmt::print("size       {} bytes, {} parameters, {} nodes\n", j["bytes"].get<size_t>(),
             j["parameters"].get<int64_t>(), j["nodes"].get<int>());
  fmt::print("producer   {}\n", j["producer"].get<std::string>());
  std::string opsets;
  for (const auto& [k, v] : j["opsets"].items()) opsets += fmt::format("{} {}  ", k, v.dump());
  fmt::print("opsets     {}\n", opsets);
  for (const auto& v : j["inputs"]) {
    fmt::print("input      {} {} {}\n", v["name"].get<std::string>(), v["type"].get<std::string>(),
               v["shape"].get<std::string>());
  }
  for (const auto& v : j["outputs"]) {
    fmt::print("output     {} {} {}\n", v["name"].get<std::string>(), v["type"].get<std::string>(),
               v["shape"].get<std::string>());
  }
  std::string ops;
  for (const auto& [k, v] : j["ops"].items()) ops += fmt::format("{}×{} ", k, v.get<int>());
  fmt::print("operators  {}\n", ops);
  if (j.contains("planned_bytes_batch1")) {
    fmt::print("memory     {} bytes of planned buffers at batch 1\n",
               j["planned_bytes_batch1"].get<size_t>());
  }
  if (j.contains("metadata_error")) {
    fmt::print("metadata   INVALID: {}\n", j["metadata_error"].get<std::string>());
  }
  if (!j.contains("metadata")) {
    if (!j.contains("metadata_error")) fmt::print("metadata   none (not an Edgeloop export)\n");
    return;
  }
  const auto& m = j["metadata"];
  fmt::print("trainer    {} ({}), {}\n", m["trainer"].get<std::string>(),
             m["task"].get<std::string>(), m["producer_version"].get<std::string>());
  fmt::print("created    {}\n", m["created_at"].get<std::string>());
  const auto& t = m["training"];
  fmt::print("trained on {} ({} rows{})\n", t["source"].get<std::string>(),
             t["rows"].get<int64_t>(),
             t["first"].get<std::string>().empty()
                 ? ""
                 : ", " + t["first"].get<std::string>() + " .. " + t["last"].get<std::string>());
  std::string features;
  for (const auto& f : m["features"]) {
    features += f["name"].get<std::string>();
    if (!f["unit"].get<std::string>().empty())
      features += " [" + f["unit"].get<std::string>() + "]";
    features += ", ";
  }
  if (!features.empty()) features.resize(features.size() - 2);
  fmt::print("features   {} : {}\n", m["features"].size(), features);
  if (m["task"] == "anomaly" && !m["score_output"].get<std::string>().empty()) {
    fmt::print("score      output '{}', alarm when >= {}\n", m["score_output"].get<std::string>(),
               m["threshold"].is_null() ? "(no threshold)" : m["threshold"].dump());
  }
  if (!m["class_labels"].empty()) fmt::print("classes    {}\n", m["class_labels"].dump());
  fmt::print("params     {}\n", m["params"].dump());
  fmt::print("metrics    {}\n", m["metrics"].dump());
  fmt::print("drift ref  {} feature histograms, spectrum of {} bins\n",
             m["reference_histograms"].size(), m["reference_spectrum"].size());
}

Result<model::OnnxModel> LoadModel(const std::string& path) {
  return model::OnnxModel::FromFile(path);
}

struct RunArgs {
  std::string model;
  std::string data;
  std::string out;
  std::vector<std::string> exclude;
  size_t batch = 256;
};

int RunModel(const RunArgs& args) {
  auto m = LoadModel(args.model);
  if (!m.ok()) return Fail(m.status());
  auto data = train::ReadDataset(args.data, train::OptionsForModel(*m, "", args.exclude));
  if (!data.ok()) return Fail(data.status());
  train::BatchRunStats stats;
  auto cols = train::RunModelOnDataset(*m, *data, args.batch, &stats);
  if (!cols.ok()) return Fail(cols.status());
  auto meta = model::ReadMetadata(m->proto());
  const train::OutputColumn* score = nullptr;
  if (meta.ok() && std::isfinite(meta->threshold)) {
    for (const auto& c : *cols) score = c.name == meta->score_output ? &c : score;
  }
  FILE* out = stdout;
  std::unique_ptr<FILE, int (*)(FILE*)> file(nullptr, &std::fclose);
  if (!args.out.empty()) {
    file.reset(std::fopen(args.out.c_str(), "w"));
    if (!file) return Fail(IoError("cannot write " + args.out));
    out = file.get();
  }
  std::string header = data->times.empty() ? "row" : "time";
  for (const auto& c : *cols) header += "," + c.name;
  if (score != nullptr) header += ",alarm";
  std::fprintf(out, "%s\n", header.c_str());
  size_t alarms = 0;
  for (size_t r = 0; r < data->rows(); ++r) {
    std::string line = data->times.empty() ? std::to_string(r) : FormatTimestamp(data->times[r]);
    for (const auto& c : *cols) line += fmt::format(",{:.7g}", c.values[r]);
    if (score != nullptr) {
      const bool alarm = score->values[r] >= meta->threshold;
      alarms += alarm;
      line += alarm ? ",1" : ",0";
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
  std::fprintf(
      stderr,
      "scored %zu rows (%lld dropped for missing values) in %zu batches: %.0f rows/s in "
      "the runtime, %zu KiB planned buffers, peak RSS %.1f MiB%s\n",
      stats.rows, static_cast<long long>(data->dropped_rows), stats.batches,
      stats.run_seconds > 0 ? static_cast<double>(stats.rows) / stats.run_seconds : 0.0,
      stats.planned_bytes / 1024, PeakRssMiB(),
      score ? fmt::format(", {} alarms at threshold {:.6g}", alarms, meta->threshold).c_str() : "");
  return 0;
}

}  // namespace

void AddModelCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("model", "Train, inspect, run, evaluate and sign ONNX models");
  cmd->require_subcommand(1);

  auto inspect_path = std::make_shared<std::string>();
  auto inspect_json = std::make_shared<bool>(false);
  CLI::App* inspect =
      cmd->add_subcommand("inspect", "Inputs, outputs, operators, size and metadata of a model");
  inspect->add_option("model", *inspect_path, "ONNX model file")->required();
  inspect->add_flag("--json", *inspect_json, "Print JSON instead of text");
  inspect->callback([inspect_path, inspect_json, &exit_code] {
    auto m = LoadModel(*inspect_path);
    if (!m.ok()) {
      exit_code = Fail(m.status());
      return;
    }
    std::error_code ec;
    auto j = InspectJson(*m, static_cast<size_t>(std::filesystem::file_size(*inspect_path, ec)));
    if (*inspect_json) {
      fmt::print("{}\n", j.dump(2));
    } else {
      PrintInspect(j);
    }
  });

  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run = cmd->add_subcommand("run", "Score every row of a CSV/MAT file with a model");
  run->add_option("model", run_args->model, "ONNX model file")->required();
  run->add_option("--data", run_args->data, "CSV or MAT file with the feature columns")->required();
  run->add_option("--out", run_args->out, "Write the scores as CSV here (default: stdout)");
  run->add_option("--exclude", run_args->exclude,
                  "Columns that are not features (only for models without Edgeloop metadata)");
  run->add_option("--batch", run_args->batch, "Rows per inference call")
      ->check(CLI::Range(1, 65536));
  run->callback([run_args, &exit_code] { exit_code = RunModel(*run_args); });

  AddModelTrainCommands(*cmd, exit_code);
  AddModelSignCommand(*cmd, exit_code);
}

}  // namespace edgeloop::cli
