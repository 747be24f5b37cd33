#include "train/quantize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "model/tensor_proto.h"
#include "train/batch_runner.h"

namespace edgeloop::train {
namespace {

struct Target {
  int node = 0;
  std::string a, w, y;
};

Result<model::OnnxModel> Load(const std::string& bytes, const char* what) {
  return model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                     what);
}

// Calibration range of every quantized activation: min and max over all its values, widened
// to include 0 so that zero (padding, centred data) is exact.
Result<std::map<std::string, std::pair<double, double>>> ActivationRanges(
    const onnx::ModelProto& proto, const std::set<std::string>& names, const Dataset& cal) {
  onnx::ModelProto probe = proto;
  for (const auto& n : names) probe.mutable_graph()->add_output()->set_name(n);
  std::string bytes = probe.SerializeAsString();
  EL_ASSIGN_OR_RETURN(auto m, Load(bytes, "<calibration probe>"));
  EL_ASSIGN_OR_RETURN(auto cols, RunModelOnDataset(m, cal));
  std::map<std::string, std::pair<double, double>> ranges;
  for (const auto& n : names) {
    double lo = 0, hi = 0;
    for (const auto& c : cols) {
      if (c.name != n && c.name.rfind(n + "[", 0) != 0) continue;
      for (double v : c.values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    ranges[n] = {lo, hi};
  }
  return ranges;
}

void AddInitializer(onnx::GraphProto* g, const std::string& name, int32_t type,
                    const std::vector<int64_t>& dims, const void* data, size_t bytes) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(static_cast<const char*>(data), bytes);
}

onnx::NodeProto MakeNode(const std::string& op, std::vector<std::string> in, std::string out) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(op + ":" + out);
  for (auto& s : in) n.add_input(s);
  n.add_output(out);
  return n;
}

}  // namespace

Result<QuantizedModel> QuantizeLinearParts(const std::string& float_model,
                                           const Dataset& calibration, const Dataset& evaluation) {
  EL_ASSIGN_OR_RETURN(auto fm, Load(float_model, "<float model>"));
  if (fm.opset() < 10) {
    return FailedPrecondition("int8 quantization needs default-domain opset >= 10, model has " +
                              std::to_string(fm.opset()));
  }
  if (calibration.rows() == 0) return InvalidArgument("no calibration rows");
  onnx::ModelProto proto = fm.proto();
  auto* g = proto.mutable_graph();
  std::map<std::string, const onnx::TensorProto*> inits;
  for (const auto& t : g->initializer()) inits[t.name()] = &t;
  std::vector<Target> targets;
  std::set<std::string> activations;
  std::map<std::string, int> uses;  // how many nodes read each value
  for (const auto& n : g->node()) {
    for (const auto& in : n.input()) uses[in]++;
  }
  for (int i = 0; i < g->node_size(); ++i) {
    const auto& n = g->node(i);
    if (n.op_type() != "MatMul" || !(n.domain().empty() || n.domain() == "ai.onnx")) continue;
    auto w = inits.find(n.input(1));
    if (inits.count(n.input(0)) || w == inits.end()) continue;
    if (w->second->data_type() != onnx::TensorProto::FLOAT || w->second->dims_size() != 2) {
      continue;
    }
    targets.push_back({i, n.input(0), n.input(1), n.output(0)});
    activations.insert(n.input(0));
  }
  if (targets.empty()) {
    return FailedPrecondition("the model has no MatMul with a constant float weight matrix");
  }
  EL_ASSIGN_OR_RETURN(auto ranges, ActivationRanges(proto, activations, calibration));

  // Quantize each activation once, however many MatMuls read it.
  std::map<std::string, std::string> quantized;  // activation -> its uint8 value name
  std::map<std::string, float> act_scale;
  std::vector<onnx::NodeProto> extra;
  for (const auto& a : activations) {
    auto [lo, hi] = ranges[a];
    double scale = hi > lo ? (hi - lo) / 255.0 : 1.0;
    uint8_t zp = static_cast<uint8_t>(std::clamp(std::nearbyint(-lo / scale), 0.0, 255.0));
    float s = static_cast<float>(scale);
    AddInitializer(g, a + "/scale", onnx::TensorProto::FLOAT, {}, &s, sizeof s);
    AddInitializer(g, a + "/zero_point", onnx::TensorProto::UINT8, {}, &zp, 1);
    extra.push_back(MakeNode("QuantizeLinear", {a, a + "/scale", a + "/zero_point"}, a + "/q"));
    quantized[a] = a + "/q";
    act_scale[a] = s;
  }
  std::map<int, std::vector<onnx::NodeProto>> replacement;
  std::set<std::string> dropped_weights;
  for (const auto& t : targets) {
    EL_ASSIGN_OR_RETURN(auto w, model::DecodeTensorProto(*inits[t.w]));
    const int64_t k = w.shape[0], m = w.shape[1];
    const float* wf = reinterpret_cast<const float*>(w.storage.data());
    std::vector<int8_t> wq(static_cast<size_t>(k * m));
    std::vector<float> out_scale(static_cast<size_t>(m));
    for (int64_t j = 0; j < m; ++j) {
      float amax = 0;
      for (int64_t r = 0; r < k; ++r) amax = std::max(amax, std::fabs(wf[r * m + j]));
      const float ws = amax > 0 ? amax / 127.0f : 1.0f;
      for (int64_t r = 0; r < k; ++r) {
        wq[static_cast<size_t>(r * m + j)] =
            static_cast<int8_t>(std::clamp(std::nearbyint(wf[r * m + j] / ws), -127.0f, 127.0f));
      }
      out_scale[static_cast<size_t>(j)] = ws * act_scale[t.a];
    }
    const std::string base = t.y + "/int8";
    AddInitializer(g, base + "/w", onnx::TensorProto::INT8, {k, m}, wq.data(), wq.size());
    AddInitializer(g, base + "/scale", onnx::TensorProto::FLOAT, {m}, out_scale.data(),
                   out_scale.size() * sizeof(float));
    auto& nodes = replacement[t.node];
    nodes.push_back(MakeNode("MatMulInteger", {quantized[t.a], base + "/w", t.a + "/zero_point"},
                             base + "/acc"));
    onnx::NodeProto cast = MakeNode("Cast", {base + "/acc"}, base + "/acc_f");
    auto* to = cast.add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(onnx::TensorProto::FLOAT);
    nodes.push_back(cast);
    nodes.push_back(MakeNode("Mul", {base + "/acc_f", base + "/scale"}, t.y));
    if (--uses[t.w] == 0) dropped_weights.insert(t.w);
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (auto& n : extra) *nodes.Add() = n;
  for (int i = 0; i < g->node_size(); ++i) {
    auto it = replacement.find(i);
    if (it == replacement.end()) {
      *nodes.Add() = g->node(i);
    } else {
      for (auto& n : it->second) *nodes.Add() = n;
    }
  }
  g->mutable_node()->Swap(&nodes);
  auto* init = g->mutable_initializer();
  for (int i = init->size() - 1; i >= 0; --i) {
    if (dropped_weights.count(init->Get(i).name())) init->DeleteSubrange(i, 1);
  }

  QuantizedModel out;
  auto& r = out.report;
  r.matmuls_quantized = static_cast<int>(targets.size());
  r.calibration_rows = calibration.rows();
  r.evaluation_rows = evaluation.rows();
  r.float_bytes = float_model.size();
  auto meta = model::ReadMetadata(proto);
  std::string bytes = proto.SerializeAsString();
  EL_ASSIGN_OR_RETURN(auto qm, Load(bytes, "<int8 model>"));
  EL_ASSIGN_OR_RETURN(auto fcols, RunModelOnDataset(fm, evaluation));
  EL_ASSIGN_OR_RETURN(auto qcols, RunModelOnDataset(qm, evaluation));
  for (size_t c = 0; c < fcols.size() && c < qcols.size(); ++c) {
    OutputError e{fcols[c].name};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < fcols[c].values.size(); ++i) {
      const double d = std::fabs(fcols[c].values[i] - qcols[c].values[i]);
      e.max_abs = std::max(e.max_abs, d);
      e.mean_abs += d / static_cast<double>(fcols[c].values.size());
      lo = std::min(lo, fcols[c].values[i]);
      hi = std::max(hi, fcols[c].values[i]);
    }
    e.range = hi > lo ? hi - lo : 0;
    r.outputs.push_back(e);
    const size_t n = fcols[c].values.size();
    if (meta.ok() && fcols[c].name == meta->score_output && std::isfinite(meta->threshold) && n) {
      size_t agree = 0;
      for (size_t i = 0; i < n; ++i) {
        const bool fa = fcols[c].values[i] >= meta->threshold;
        const bool qa = qcols[c].values[i] >= meta->threshold;
        r.float_alarms += fa;
        r.int8_alarms += qa;
        agree += fa == qa;
      }
      r.alarm_agreement = static_cast<double>(agree) / static_cast<double>(n);
    }
    if (fcols[c].name == "label" && n) {
      size_t agree = 0;
      for (size_t i = 0; i < n; ++i) agree += fcols[c].values[i] == qcols[c].values[i];
      r.label_agreement = static_cast<double>(agree) / static_cast<double>(n);
    }
  }
  if (meta.ok()) {
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& e : r.outputs) {
      errors[e.name] = {{"max_abs", e.max_abs}, {"mean_abs", e.mean_abs}, {"range", e.range}};
    }
    meta->params["int8"] = {
        {"matmuls_quantized", r.matmuls_quantized}, {"calibration_rows", r.calibration_rows},
        {"evaluation_rows", r.evaluation_rows},     {"output_errors", errors},
        {"alarm_agreement", r.alarm_agreement},     {"label_agreement", r.label_agreement}};
    model::WriteMetadata(*meta, &proto);
    bytes = proto.SerializeAsString();
    EL_RETURN_IF_ERROR(Load(bytes, "<int8 model>").status());
  }
  r.int8_bytes = bytes.size();
  out.bytes = std::move(bytes);
  return out;
}

std::string FormatReport(const QuantizationReport& r) {
  std::string s = fmt::format(
      "int8: {} MatMul(s) quantized, model {} -> {} bytes, calibrated on {} rows, compared on {} "
      "rows\n",
      r.matmuls_quantized, r.float_bytes, r.int8_bytes, r.calibration_rows, r.evaluation_rows);
  for (const auto& e : r.outputs) {
    s += fmt::format(
        "  output {:<16} max |error| {:.4g}  mean |error| {:.4g}  (float range {:.4g})\n", e.name,
        e.max_abs, e.mean_abs, e.range);
  }
  if (r.float_alarms || r.int8_alarms || r.alarm_agreement < 1) {
    s += fmt::format("  alarms: float {}, int8 {}, same decision on {:.2f}% of rows\n",
                     r.float_alarms, r.int8_alarms, 100 * r.alarm_agreement);
  }
  if (r.label_agreement < 1) {
    s += fmt::format("  labels: same on {:.2f}% of rows\n", 100 * r.label_agreement);
  }
  return s;
}

}  // namespace edgeloop::train
