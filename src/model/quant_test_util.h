// Test-only helpers for the quantized-operator tests: a ModelProto builder whose initializers
// and inputs may have any supported element type, and a one-shot runner that converts every
// value to and from double.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/interpreter.h"
#include "model/onnx_model.h"

namespace edgeloop::model::quant_test {

using Dims = std::vector<int64_t>;
using Values = std::vector<double>;

// `v` as little-endian bytes of element type `t` (values are converted with static_cast).
inline std::string Encode(DType t, const Values& v) {
  std::string out;
  auto put = [&out](auto x) { out.append(reinterpret_cast<const char*>(&x), sizeof x); };
  for (double d : v) {
    switch (t) {
      case DType::kFloat:
        put(static_cast<float>(d));
        break;
      case DType::kUint8:
        put(static_cast<uint8_t>(d));
        break;
      case DType::kInt8:
        put(static_cast<int8_t>(d));
        break;
      case DType::kInt32:
        put(static_cast<int32_t>(d));
        break;
      case DType::kInt64:
        put(static_cast<int64_t>(d));
        break;
      case DType::kBool:
        put(static_cast<uint8_t>(d != 0));
        break;
    }
  }
  return out;
}

template <typename T>
void Append(const void* data, int64_t n, Values* out) {
  for (int64_t i = 0; i < n; ++i)
    out->push_back(static_cast<double>(static_cast<const T*>(data)[i]));
}

inline Values Decode(DType t, const void* data, int64_t n) {
  Values out;
  switch (t) {
    case DType::kFloat:
      Append<float>(data, n, &out);
      break;
    case DType::kUint8:
      Append<uint8_t>(data, n, &out);
      break;
    case DType::kInt8:
      Append<int8_t>(data, n, &out);
      break;
    case DType::kInt32:
      Append<int32_t>(data, n, &out);
      break;
    case DType::kInt64:
      Append<int64_t>(data, n, &out);
      break;
    case DType::kBool:
      Append<bool>(data, n, &out);
      break;
  }
  return out;
}

class QModel {
 public:
  explicit QModel(int64_t opset = 13) {
    model_.set_ir_version(8);
    auto* imp = model_.add_opset_import();
    imp->set_domain("");
    imp->set_version(opset);
  }
  QModel& Input(const std::string& name, DType t, const Dims& dims) {
    auto* vi = model_.mutable_graph()->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int32_t>(t));
    for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    return *this;
  }
  // A constant stored as raw_data.
  QModel& Init(const std::string& name, DType t, const Dims& dims, const Values& v) {
    auto* init = model_.mutable_graph()->add_initializer();
    init->set_name(name);
    init->set_data_type(static_cast<int32_t>(t));
    for (int64_t d : dims) init->add_dims(d);
    init->set_raw_data(Encode(t, v));
    return *this;
  }
  QModel& Output(const std::string& name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }
  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& in,
                        const std::vector<std::string>& out) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_name(op + "_" + out[0]);
    n->set_op_type(op);
    for (const auto& s : in) n->add_input(s);
    for (const auto& s : out) n->add_output(s);
    return n;
  }
  onnx::GraphProto* graph() { return model_.mutable_graph(); }
  Result<OnnxModel> Load() const {
    const std::string b = model_.SerializeAsString();
    return OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
  }
  // The load error message, or "" when the model loads.
  std::string LoadError() const {
    auto r = Load();
    return r.ok() ? "" : r.status().message();
  }

 private:
  onnx::ModelProto model_;
};

inline void SetInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

struct Data {
  DType type = DType::kFloat;
  Dims dims;
  Values values;
};

// Loads `m`, runs it once on `in` (in graph-input order) and returns its outputs; any error
// fails the calling test and returns no outputs.
inline std::vector<Data> RunOnce(const QModel& m, const std::vector<Data>& in) {
  auto model = m.Load();
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return {};
  auto session = InferenceSession::Create(*model, 1);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return {};
  std::vector<std::string> bytes;
  for (const auto& t : in) bytes.push_back(Encode(t.type, t.values));
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < in.size(); ++i) refs.push_back({in[i].type, in[i].dims, bytes[i].data()});
  std::vector<TensorRef> outs(session->num_outputs());
  Status s = session->Run(refs, outs);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return {};
  std::vector<Data> got;
  for (const auto& o : outs) {
    int64_t n = 1;
    for (int64_t d : o.shape) n *= d;
    got.push_back({o.dtype, Dims(o.shape.begin(), o.shape.end()), Decode(o.dtype, o.data, n)});
  }
  return got;
}

}  // namespace edgeloop::model::quant_test
