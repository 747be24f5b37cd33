// `edgeloop model train` and `edgeloop model eval`.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "ingest/signal_file.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "train/batch_runner.h"
#include "train/calibration.h"
#include "train/classification_metrics.h"
#include "train/dataset.h"
#include "train/gbdt.h"
#include "train/isolation_forest.h"
#include "train/onnx_builder.h"
#include "train/pca.h"
#include "train/quantize.h"
#include "train/reference_spectrum.h"

namespace edgeloop::cli {
namespace {

Result<train::Dataset> ReadAll(const std::vector<std::string>& files,
                               const train::DatasetOptions& options) {
  std::vector<train::Dataset> parts;
  for (const auto& f : files) {
    EL_ASSIGN_OR_RETURN(auto d, train::ReadDataset(f, options));
    if (d.dropped_rows > 0) {
      std::fprintf(stderr, "note: %s: %lld rows with missing values left out\n", f.c_str(),
                   static_cast<long long>(d.dropped_rows));
    }
    parts.push_back(std::move(d));
  }
  return train::Concat(parts);
}

// Rows labelled normal (label <= 0.5), or all rows of an unlabelled dataset.
train::Dataset NormalRows(const train::Dataset& d) {
  if (d.labels.empty()) return d;
  train::Dataset out = d.Slice(0, 0);
  for (size_t i = 0; i < d.rows(); ++i) {
    if (d.labels[i] > 0.5) continue;
    auto r = d.row(i);
    out.x.insert(out.x.end(), r.begin(), r.end());
    out.labels.push_back(d.labels[i]);
    if (!d.times.empty()) out.times.push_back(d.times[i]);
  }
  return out;
}

struct TrainArgs {
  std::string trainer;
  std::vector<std::string> data;
  std::string label;
  std::vector<std::string> exclude;
  std::string out;
  std::string int8_out;
  std::string spectrum_file;
  std::string spectrum_channel;
  double spectrum_fs = 0;
  size_t spectrum_segment = 4096;
  double validation_fraction = 0.2;
  double false_alarm_rate = 0.01;
  int components = 0;
  double explained_variance = 0.9;
  double confidence = 0.99;
  int trees = 100;
  int subsample = 256;
  int rounds = 100;
  int max_depth = 6;
  double eta = 0.3;
  uint64_t seed = 1;
};

// Anomaly trainers learn normal behaviour: the first (1 - f) of the normal rows train, the
// last f calibrate the threshold for the false-alarm rate (file order: the future validates).
struct AnomalySplit {
  train::Dataset fit, validation, labelled_validation;
};

Result<AnomalySplit> SplitForAnomaly(const train::Dataset& all, double fraction) {
  const size_t n_val = static_cast<size_t>(std::floor(fraction * static_cast<double>(all.rows())));
  AnomalySplit s;
  s.fit = NormalRows(all.Slice(0, all.rows() - n_val));
  s.labelled_validation = all.Slice(all.rows() - n_val, all.rows());
  s.validation = NormalRows(s.labelled_validation);
  if (fraction > 0 && s.validation.rows() < 20) {
    return InvalidArgument(fmt::format(
        "only {} normal validation rows to calibrate the threshold on; give more data or a "
        "larger --validation-fraction",
        s.validation.rows()));
  }
  return s;
}

// Validation metrics of anomaly scores against the held-out labels, when there are both classes.
void AddLabelledMetrics(const std::vector<double>& scores, const train::Dataset& labelled,
                        double threshold, nlohmann::json* metrics) {
  if (labelled.labels.empty()) return;
  auto m = train::EvaluateThreshold(scores, labelled.labels, threshold);
  if (m.ok()) (*metrics)["validation_labelled"] = train::PointMetricsToJson(*m);
  auto auc = train::RocAuc(scores, labelled.labels);
  if (auc.ok()) (*metrics)["validation_labelled"]["roc_auc"] = *auc;
}

Result<std::string> RunPcaTrainer(const TrainArgs& a, const train::Dataset& all) {
  EL_ASSIGN_OR_RETURN(auto split, SplitForAnomaly(all, a.validation_fraction));
  train::PcaOptions o{a.components, a.explained_variance, a.confidence};
  EL_ASSIGN_OR_RETURN(auto m, train::TrainPca(split.fit, o));
  if (split.validation.rows() > 0) {
    EL_RETURN_IF_ERROR(train::CalibrateThreshold(split.validation, a.false_alarm_rate, &m));
  }
  EL_ASSIGN_OR_RETURN(auto scores, m.Score(split.labelled_validation));
  std::vector<double> s;
  for (const auto& p : scores) s.push_back(p.score);
  AddLabelledMetrics(s, split.labelled_validation, m.threshold, &m.metrics);
  std::fprintf(stderr,
               "pca: %d of %zu components keep %.1f%% of the variance; T2 limit %.4g, Q "
               "limit %.4g (%s); threshold %.4g\n",
               m.components, m.features.size(), 100 * m.explained_variance, m.t2_limit, m.q_limit,
               m.q_limit_method.c_str(), m.threshold);
  return train::ExportPca(m);
}

Result<std::string> RunIforestTrainer(const TrainArgs& a, const train::Dataset& all) {
  EL_ASSIGN_OR_RETURN(auto split, SplitForAnomaly(all, a.validation_fraction));
  train::IsolationForestOptions o;
  o.trees = a.trees;
  o.subsample = a.subsample;
  o.seed = a.seed;
  o.contamination = a.false_alarm_rate;
  EL_ASSIGN_OR_RETURN(auto f, train::TrainIsolationForest(split.fit, o));
  if (split.validation.rows() > 0) {
    EL_ASSIGN_OR_RETURN(f.threshold, train::ThresholdForFalseAlarmRate(f.Score(split.validation),
                                                                       a.false_alarm_rate));
    f.metadata.threshold = f.threshold;
    f.metadata.metrics["calibration"] = {{"validation_rows", split.validation.rows()},
                                         {"false_alarm_rate", a.false_alarm_rate}};
  }
  AddLabelledMetrics(f.Score(split.labelled_validation), split.labelled_validation, f.threshold,
                     &f.metadata.metrics);
  std::fprintf(stderr, "iforest: %d trees of %d rows, height limit %d; threshold %.4g\n", o.trees,
               f.subsample, f.height_limit, f.threshold);
  return train::ExportIsolationForest(f);
}

Result<std::string> RunGbdtTrainer(const TrainArgs& a, const train::Dataset& all) {
  train::GbdtOptions o;
  o.rounds = a.rounds;
  o.max_depth = a.max_depth;
  o.eta = a.eta;
  o.seed = a.seed;
  o.validation_fraction = a.validation_fraction;
  EL_ASSIGN_OR_RETURN(auto g, train::TrainGbdt(all, o));
  const auto& acc = g.metadata.metrics["accuracy"];
  std::fprintf(stderr, "gbdt: %zu classes, %d rounds of depth <= %d; %s\n", g.class_labels.size(),
               o.rounds, o.max_depth,
               acc.is_number()
                   ? fmt::format("validation accuracy {:.4f} on {} rows", acc.get<double>(),
                                 g.metadata.metrics["validation_rows"].dump())
                         .c_str()
                   : "no validation rows");
  return train::ExportGbdt(g);
}

int RunTrain(const TrainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  if (a.trainer == "gbdt" && a.label.empty()) {
    return Fail(InvalidArgument("--trainer gbdt needs --label COLUMN (the fault class)"));
  }
  auto all = ReadAll(a.data, {a.label, a.exclude, {}});
  if (!all.ok()) return Fail(all.status());
  std::fprintf(stderr, "read %zu rows x %zu features from %s\n", all->rows(), all->cols(),
               all->source.c_str());
  Result<std::string> bytes = a.trainer == "pca"       ? RunPcaTrainer(a, *all)
                              : a.trainer == "iforest" ? RunIforestTrainer(a, *all)
                                                       : RunGbdtTrainer(a, *all);
  if (!bytes.ok()) return Fail(bytes.status());
  if (!a.spectrum_file.empty()) {
    auto table = ingest::ReadSignalFile(a.spectrum_file);
    if (!table.ok()) return Fail(table.status());
    auto spectrum = train::ComputeReferenceSpectrum(*table, a.spectrum_channel, a.spectrum_fs,
                                                    a.spectrum_segment);
    if (!spectrum.ok()) return Fail(spectrum.status());
    bytes = train::AttachReferenceSpectrum(*bytes, *spectrum);
    if (!bytes.ok()) return Fail(bytes.status());
    std::fprintf(stderr, "reference spectrum: %zu bins of %.3g Hz from %s\n",
                 spectrum->power.size(), spectrum->bin_hz, spectrum->source.c_str());
  }
  if (Status s = train::WriteFileAtomic(a.out, *bytes); !s.ok()) return Fail(s);
  std::fprintf(stderr, "wrote %s (%zu bytes) in %.1f s\n", a.out.c_str(), bytes->size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!a.int8_out.empty()) {
    // Calibrate on (up to 20k of) the first rows, compare on the last ones.
    const size_t n = all->rows();
    const size_t cal_end = std::min<size_t>(n - n / 5, 20000);
    auto q = train::QuantizeLinearParts(*bytes, all->Slice(0, cal_end), all->Slice(n - n / 5, n));
    if (!q.ok()) return Fail(q.status());
    std::fprintf(stderr, "%s", train::FormatReport(q->report).c_str());
    if (Status s = train::WriteFileAtomic(a.int8_out, q->bytes); !s.ok()) return Fail(s);
    std::fprintf(stderr, "wrote %s (%zu bytes)\n", a.int8_out.c_str(), q->bytes.size());
  }
  return 0;
}

struct EvalArgs {
  std::string model;
  std::vector<std::string> data;
  std::string label;
  double threshold = NAN;
  bool json = false;
};

Result<nlohmann::json> EvalAnomaly(const model::ModelMetadata& meta, const EvalArgs& a,
                                   const std::vector<train::OutputColumn>& cols,
                                   const train::Dataset& d) {
  const train::OutputColumn* score = nullptr;
  for (const auto& c : cols) score = c.name == meta.score_output ? &c : score;
  if (score == nullptr)
    return InvalidArgument("the model has no output '" + meta.score_output + "'");
  const double threshold = std::isfinite(a.threshold) ? a.threshold : meta.threshold;
  if (!std::isfinite(threshold)) {
    return InvalidArgument("the model has no threshold; pass --threshold");
  }
  EL_ASSIGN_OR_RETURN(auto m, train::EvaluateThreshold(score->values, d.labels, threshold));
  nlohmann::json j = train::PointMetricsToJson(m);
  j["threshold"] = threshold;
  if (auto auc = train::RocAuc(score->values, d.labels); auc.ok()) j["roc_auc"] = *auc;
  if (auto best = train::BestF1Threshold(score->values, d.labels); best.ok()) {
    j["best_f1"] = {{"threshold", best->threshold}, {"f1", best->metrics.f1}};
  }
  return j;
}

Result<nlohmann::json> EvalClassifier(const model::ModelMetadata& meta,
                                      const std::vector<train::OutputColumn>& cols,
                                      const train::Dataset& d) {
  const train::OutputColumn* label = nullptr;
  for (const auto& c : cols) label = c.name == "label" ? &c : label;
  if (label == nullptr) return InvalidArgument("the classifier has no 'label' output");
  auto id = [&](double v) -> int32_t {
    auto it = std::find(meta.class_labels.begin(), meta.class_labels.end(),
                        static_cast<int64_t>(std::llround(v)));
    return it == meta.class_labels.end() ? -1
                                         : static_cast<int32_t>(it - meta.class_labels.begin());
  };
  std::vector<int32_t> truth, predicted;
  for (size_t i = 0; i < d.rows(); ++i) {
    if (id(d.labels[i]) < 0) {
      return InvalidArgument(fmt::format("row {}: label {} is not one of the model's classes {}", i,
                                         d.labels[i], nlohmann::json(meta.class_labels).dump()));
    }
    truth.push_back(id(d.labels[i]));
    predicted.push_back(std::max(id(label->values[i]), 0));
  }
  EL_ASSIGN_OR_RETURN(auto m, train::EvaluateClassification(truth, predicted, meta.class_labels));
  return train::ClassificationMetricsToJson(m);
}

int RunEval(const EvalArgs& a) {
  auto m = model::OnnxModel::FromFile(a.model);
  if (!m.ok()) return Fail(m.status());
  auto meta = model::ReadMetadata(m->proto());
  if (!meta.ok()) {
    return Fail(InvalidArgument("model eval needs Edgeloop metadata (task, score output): " +
                                meta.status().message()));
  }
  nlohmann::json report = {
      {"model", a.model}, {"task", meta->task}, {"files", nlohmann::json::array()}};
  // Each file is scored once; the total's metrics reuse those scores.
  std::vector<train::Dataset> parts;
  std::vector<train::OutputColumn> total_cols;
  auto evaluate = [&](const std::vector<train::OutputColumn>& cols, const train::Dataset& d,
                      const std::string& name) -> Status {
    auto j = meta->task == "classification" ? EvalClassifier(*meta, cols, d)
                                            : EvalAnomaly(*meta, a, cols, d);
    if (!j.ok()) return j.status();
    (*j)["file"] = name;
    (*j)["rows"] = d.rows();
    report["files"].push_back(*j);
    return Status::Ok();
  };
  for (const auto& f : a.data) {
    auto d = train::ReadDataset(f, train::OptionsForModel(*m, a.label, {}));
    if (!d.ok()) return Fail(d.status());
    auto cols = train::RunModelOnDataset(*m, *d);
    if (!cols.ok()) return Fail(cols.status());
    if (Status s = evaluate(*cols, *d, f); !s.ok()) return Fail(s);
    if (total_cols.empty()) total_cols.resize(cols->size());
    for (size_t c = 0; c < cols->size(); ++c) {
      total_cols[c].name = (*cols)[c].name;
      auto& v = total_cols[c].values;
      v.insert(v.end(), (*cols)[c].values.begin(), (*cols)[c].values.end());
    }
    parts.push_back(std::move(*d));
  }
  if (parts.size() > 1) {
    auto all = train::Concat(parts);
    if (!all.ok()) return Fail(all.status());
    if (Status s = evaluate(total_cols, *all, "total"); !s.ok()) return Fail(s);
  }
  if (a.json) {
    fmt::print("{}\n", report.dump(2));
    return 0;
  }
  for (const auto& j : report["files"]) {
    if (meta->task == "classification") {
      fmt::print("{:<40} rows {:>7}  accuracy {:.4f}\n", j["file"].get<std::string>(),
                 j["rows"].get<size_t>(),
                 j["accuracy"].is_null() ? NAN : j["accuracy"].get<double>());
    } else {
      fmt::print("{:<40} rows {:>7}  F1 {:.3f}  FAR {:6.2f}%  MAR {:6.2f}%  AUC {}\n",
                 j["file"].get<std::string>(), j["rows"].get<size_t>(), j["f1"].get<double>(),
                 j["far"].get<double>(), j["mar"].get<double>(),
                 j.contains("roc_auc") ? fmt::format("{:.3f}", j["roc_auc"].get<double>()) : "-");
    }
  }
  return 0;
}

}  // namespace

void AddModelTrainCommands(CLI::App& model_cmd, int& exit_code) {
  auto t = std::make_shared<TrainArgs>();
  CLI::App* train = model_cmd.add_subcommand(
      "train", "Train a model on CSV/MAT feature files and export it as ONNX with metadata");
  train->add_option("--trainer", t->trainer, "pca (T²+Q), iforest or gbdt (classifier)")
      ->required()
      ->check(CLI::IsMember({"pca", "iforest", "gbdt"}));
  train->add_option("--data", t->data, "Training file(s); every numeric column is a feature")
      ->required();
  train->add_option("--label", t->label,
                    "Label column: the class for gbdt; for anomaly trainers rows labelled 1 are "
                    "left out of training and used in the validation metrics");
  train->add_option("--exclude", t->exclude, "Columns that are not features");
  train->add_option("--out", t->out, "Model file to write")->required();
  train->add_option("--int8", t->int8_out,
                    "Also write an int8-quantized model here and print the accuracy change");
  train->add_option("--reference-spectrum", t->spectrum_file,
                    "Raw vibration recording (CSV/MAT) whose Welch spectrum the model keeps as "
                    "its drift reference");
  train->add_option("--spectrum-channel", t->spectrum_channel,
                    "Channel of --reference-spectrum (default: the first)");
  train->add_option("--spectrum-fs", t->spectrum_fs,
                    "Sample rate of --reference-spectrum in Hz (default: from its time column)");
  train->add_option("--spectrum-segment", t->spectrum_segment, "Welch segment (default 4096)")
      ->check(CLI::Range(16, 1 << 20));
  train
      ->add_option("--validation-fraction", t->validation_fraction,
                   "Last share of rows held out to calibrate/validate (default 0.2)")
      ->check(CLI::Range(0.0, 0.9));
  train
      ->add_option("--false-alarm-rate", t->false_alarm_rate,
                   "Target share of normal rows that alarm (default 0.01)")
      ->check(CLI::Range(0.0001, 0.5));
  train->add_option("--components", t->components, "pca: components (default: by variance)");
  train
      ->add_option("--explained-variance", t->explained_variance,
                   "pca: variance share the components keep (default 0.9)")
      ->check(CLI::Range(0.01, 1.0));
  train->add_option("--confidence", t->confidence, "pca: control-limit confidence (0.99)")
      ->check(CLI::Range(0.5, 0.99999));
  train->add_option("--trees", t->trees, "iforest: trees (default 100)")
      ->check(CLI::Range(1, 10000));
  train->add_option("--subsample", t->subsample, "iforest: rows per tree (default 256)")
      ->check(CLI::Range(2, 1000000));
  train->add_option("--rounds", t->rounds, "gbdt: boosting rounds (default 100)")
      ->check(CLI::Range(1, 10000));
  train->add_option("--max-depth", t->max_depth, "gbdt: tree depth (default 6)")
      ->check(CLI::Range(1, 20));
  train->add_option("--eta", t->eta, "gbdt: learning rate (default 0.3)")
      ->check(CLI::Range(0.0001, 1.0));
  train->add_option("--seed", t->seed, "Random seed (default 1)");
  train->callback([t, &exit_code] { exit_code = RunTrain(*t); });

  auto e = std::make_shared<EvalArgs>();
  CLI::App* eval = model_cmd.add_subcommand(
      "eval", "Score labelled files with a model: F1/FAR/MAR/AUC, or accuracy per class");
  eval->add_option("model", e->model, "ONNX model with Edgeloop metadata")->required();
  eval->add_option("--data", e->data, "Labelled file(s)")->required();
  eval->add_option("--label", e->label, "Label column (1 = anomaly, or the class)")->required();
  eval->add_option("--threshold", e->threshold, "Override the model's alarm threshold");
  eval->add_flag("--json", e->json, "Print JSON");
  eval->callback([e, &exit_code] { exit_code = RunEval(*e); });
}

}  // namespace edgeloop::cli
