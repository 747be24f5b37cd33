// OnnxBuilder: writes the ONNX graphs the trainers export.
//
// A thin layer over onnx::ModelProto that names the batch dimension, encodes initializers of
// the runtime's element types and attaches Edgeloop metadata. Finish() serializes the model and
// loads it back through model::OnnxModel, so every exported model has passed the same
// validation the edge runs before it is written anywhere.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "model/tensor.h"

namespace edgeloop::train {

using Dims = std::vector<int64_t>;  // -1 marks the batch dimension ("N")

inline constexpr int64_t kExportOpset = 13;
inline constexpr int64_t kExportMlOpset = 3;
inline constexpr const char* kMlDomain = "ai.onnx.ml";

// Attribute setters for a node being built.
class NodeRef {
 public:
  explicit NodeRef(onnx::NodeProto* node) : node_(node) {}
  NodeRef& Attr(const std::string& name, int64_t v);
  NodeRef& Attr(const std::string& name, float v);
  NodeRef& Attr(const std::string& name, const std::string& v);
  NodeRef& Attr(const std::string& name, std::span<const int64_t> v);
  NodeRef& Attr(const std::string& name, std::span<const float> v);
  NodeRef& Attr(const std::string& name, const std::vector<std::string>& v);
  onnx::NodeProto* proto() { return node_; }

 private:
  onnx::AttributeProto* Add(const std::string& name, onnx::AttributeProto::AttributeType type);
  onnx::NodeProto* node_;
};

class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::string graph_name);

  void AddInput(const std::string& name, model::DType type, const Dims& dims);
  void AddOutput(const std::string& name, model::DType type, const Dims& dims);
  // Initializers (constants). Return `name` so calls can be nested in AddNode.
  std::string AddFloats(const std::string& name, const Dims& dims, std::span<const float> v);
  std::string AddInt64s(const std::string& name, const Dims& dims, std::span<const int64_t> v);
  std::string AddInt8s(const std::string& name, const Dims& dims, std::span<const int8_t> v);
  std::string AddUint8s(const std::string& name, const Dims& dims, std::span<const uint8_t> v);
  std::string AddScalar(const std::string& name, float v);
  // A node; `domain` "" is the default domain, kMlDomain adds the ai.onnx.ml opset import.
  NodeRef AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                  const std::vector<std::string>& outputs, const std::string& domain = "");

  // Serializes with the metadata attached and validates by loading it back.
  Result<std::string> Finish(const model::ModelMetadata& meta);
  const onnx::ModelProto& proto() const { return model_; }

 private:
  onnx::TensorProto* AddTensor(const std::string& name, const Dims& dims, int32_t type);
  onnx::ModelProto model_;
  bool ml_domain_ = false;
};

// Writes bytes to `path` atomically (temporary file + rename), so a crash never leaves half a
// model where the edge would load it.
Status WriteFileAtomic(const std::string& path, const std::string& bytes);

// Version string written into exported models ("edgeloop 0.1.0").
std::string ProducerVersion();
// Current UTC time as ISO 8601 ("2026-11-23T01:02:03Z").
std::string UtcNowIso8601();

}  // namespace edgeloop::train
