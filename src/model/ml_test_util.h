// Test-only helpers: hand-built models with one ai.onnx.ml node (tree ensembles, Scaler) and a
// way to run them on a float matrix.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/interpreter.h"
#include "model/onnx_model.h"

namespace edgeloop::model::ml_test {

// One entry of the nodes_* attributes.
struct TreeNode {
  int64_t tree = 0;
  int64_t id = 0;
  std::string mode = "LEAF";
  int64_t feature = 0;
  float value = 0;
  int64_t yes = 0;  // nodes_truenodeids
  int64_t no = 0;   // nodes_falsenodeids
  int64_t missing_true = 0;
};

// One entry of the target_* / class_* attributes.
struct LeafWeight {
  int64_t tree = 0;
  int64_t node = 0;
  int64_t output = 0;  // target or class index
  float weight = 0;
};

inline TreeNode Branch(int64_t tree, int64_t id, const std::string& mode, int64_t feature,
                       float value, int64_t yes, int64_t no, int64_t missing_true = 0) {
  return TreeNode{tree, id, "BRANCH_" + mode, feature, value, yes, no, missing_true};
}
inline TreeNode Leaf(int64_t tree, int64_t id) { return TreeNode{tree, id}; }

inline void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void SetFloats(onnx::NodeProto* n, const std::string& name, const std::vector<float>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}
inline void SetInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void SetStrings(onnx::NodeProto* n, const std::string& name,
                       const std::vector<std::string>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRINGS);
  for (const auto& x : v) a->add_strings(x);
}

// Writes the nodes_* attributes and the <prefix>_* weight attributes.
inline void SetTrees(onnx::NodeProto* n, const std::vector<TreeNode>& nodes,
                     const std::vector<LeafWeight>& weights, const std::string& prefix) {
  std::vector<int64_t> tree, id, feature, yes, no, missing, w_tree, w_node, w_out;
  std::vector<float> value, w;
  std::vector<std::string> mode;
  for (const auto& t : nodes) {
    tree.push_back(t.tree);
    id.push_back(t.id);
    mode.push_back(t.mode);
    feature.push_back(t.feature);
    value.push_back(t.value);
    yes.push_back(t.yes);
    no.push_back(t.no);
    missing.push_back(t.missing_true);
  }
  for (const auto& l : weights) {
    w_tree.push_back(l.tree);
    w_node.push_back(l.node);
    w_out.push_back(l.output);
    w.push_back(l.weight);
  }
  SetInts(n, "nodes_treeids", tree);
  SetInts(n, "nodes_nodeids", id);
  SetStrings(n, "nodes_modes", mode);
  SetInts(n, "nodes_featureids", feature);
  SetFloats(n, "nodes_values", value);
  SetInts(n, "nodes_truenodeids", yes);
  SetInts(n, "nodes_falsenodeids", no);
  SetInts(n, "nodes_missing_value_tracks_true", missing);
  SetInts(n, prefix + "_treeids", w_tree);
  SetInts(n, prefix + "_nodeids", w_node);
  SetInts(n, prefix + "_ids", w_out);
  SetFloats(n, prefix + "_weights", w);
}

// A model with input X float [N, features] (N symbolic) and one ai.onnx.ml node.
class MlModel {
 public:
  explicit MlModel(const std::string& op, int64_t features, int num_outputs = 1,
                   int64_t ml_opset = 3) {
    model_.set_ir_version(8);
    auto* imp = model_.add_opset_import();
    imp->set_domain("");
    imp->set_version(13);
    if (ml_opset > 0) {
      imp = model_.add_opset_import();
      imp->set_domain("ai.onnx.ml");
      imp->set_version(ml_opset);
    }
    auto* g = model_.mutable_graph();
    auto* in = g->add_input();
    in->set_name("X");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(1);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
    tt->mutable_shape()->add_dim()->set_dim_value(features);
    auto* node = g->add_node();
    node->set_name("ml");
    node->set_op_type(op);
    node->set_domain("ai.onnx.ml");
    node->add_input("X");
    for (int i = 0; i < num_outputs; ++i) {
      const std::string name = i == 0 ? "Y" : "Z";
      node->add_output(name);
      g->add_output()->set_name(name);
    }
  }
  onnx::NodeProto* node() { return model_.mutable_graph()->mutable_node(0); }
  onnx::ModelProto& proto() { return model_; }
  std::string Bytes() const { return model_.SerializeAsString(); }
  Result<OnnxModel> Load() const {
    const std::string b = Bytes();
    return OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
  }
  std::string LoadError() const {
    auto r = Load();
    return r.ok() ? "" : r.status().message();
  }

 private:
  onnx::ModelProto model_;
};

// Outputs of one Run, copied out of the session: floats for float outputs, int64 for int64.
struct RunOutput {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int64_t>> ints;
};

inline Result<RunOutput> RunRows(InferenceSession& session, const std::vector<float>& x,
                                 int64_t rows, int64_t features) {
  const int64_t shape[] = {rows, features};
  TensorRef in{DType::kFloat, shape, x.data()};
  std::vector<TensorRef> outs(session.num_outputs());
  EL_RETURN_IF_ERROR(session.Run({&in, 1}, outs));
  RunOutput r;
  for (const auto& o : outs) {
    r.shapes.emplace_back(o.shape.begin(), o.shape.end());
    int64_t n = 1;
    for (int64_t d : o.shape) n *= d;
    std::vector<float> f;
    std::vector<int64_t> i;
    if (o.dtype == DType::kFloat) {
      const auto* p = static_cast<const float*>(o.data);
      f.assign(p, p + n);
    } else if (o.dtype == DType::kInt64) {
      const auto* p = static_cast<const int64_t*>(o.data);
      i.assign(p, p + n);
    }
    r.floats.push_back(std::move(f));
    r.ints.push_back(std::move(i));
  }
  return r;
}

// Loads the model and runs it once on `x` ([rows, features], row-major).
inline Result<RunOutput> LoadAndRun(const MlModel& m, const std::vector<float>& x,
                                    int64_t features) {
  EL_ASSIGN_OR_RETURN(auto model, m.Load());
  const auto rows = static_cast<int64_t>(x.size()) / features;
  EL_ASSIGN_OR_RETURN(auto session, InferenceSession::Create(model, static_cast<size_t>(rows)));
  return RunRows(session, x, rows, features);
}

}  // namespace edgeloop::model::ml_test
