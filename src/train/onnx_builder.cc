#include "train/onnx_builder.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace edgeloop::train {
namespace {

void SetValueInfo(onnx::ValueInfoProto* vi, const std::string& name, model::DType type,
                  const Dims& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(type));
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    if (d < 0) {
      shape->add_dim()->set_dim_param("N");
    } else {
      shape->add_dim()->set_dim_value(d);
    }
  }
}

}  // namespace

onnx::AttributeProto* NodeRef::Add(const std::string& name,
                                   onnx::AttributeProto::AttributeType type) {
  auto* a = node_->add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
NodeRef& NodeRef::Attr(const std::string& name, int64_t v) {
  Add(name, onnx::AttributeProto::INT)->set_i(v);
  return *this;
}
NodeRef& NodeRef::Attr(const std::string& name, float v) {
  Add(name, onnx::AttributeProto::FLOAT)->set_f(v);
  return *this;
}
NodeRef& NodeRef::Attr(const std::string& name, const std::string& v) {
  Add(name, onnx::AttributeProto::STRING)->set_s(v);
  return *this;
}
NodeRef& NodeRef::Attr(const std::string& name, std::span<const int64_t> v) {
  auto* a = Add(name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
  return *this;
}
NodeRef& NodeRef::Attr(const std::string& name, std::span<const float> v) {
  auto* a = Add(name, onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
  return *this;
}
NodeRef& NodeRef::Attr(const std::string& name, const std::vector<std::string>& v) {
  auto* a = Add(name, onnx::AttributeProto::STRINGS);
  for (const auto& x : v) a->add_strings(x);
  return *this;
}

OnnxBuilder::OnnxBuilder(std::string graph_name) {
  model_.set_ir_version(8);
  model_.set_producer_name("edgeloop");
  model_.set_producer_version(EDGELOOP_VERSION);
  auto* imp = model_.add_opset_import();
  imp->set_domain("");
  imp->set_version(kExportOpset);
  model_.mutable_graph()->set_name(std::move(graph_name));
}

void OnnxBuilder::AddInput(const std::string& name, model::DType type, const Dims& dims) {
  SetValueInfo(model_.mutable_graph()->add_input(), name, type, dims);
}

void OnnxBuilder::AddOutput(const std::string& name, model::DType type, const Dims& dims) {
  SetValueInfo(model_.mutable_graph()->add_output(), name, type, dims);
}

onnx::TensorProto* OnnxBuilder::AddTensor(const std::string& name, const Dims& dims, int32_t type) {
  auto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

std::string OnnxBuilder::AddFloats(const std::string& name, const Dims& dims,
                                   std::span<const float> v) {
  AddTensor(name, dims, onnx::TensorProto::FLOAT)
      ->set_raw_data(reinterpret_cast<const char*>(v.data()), v.size_bytes());
  return name;
}
std::string OnnxBuilder::AddInt64s(const std::string& name, const Dims& dims,
                                   std::span<const int64_t> v) {
  AddTensor(name, dims, onnx::TensorProto::INT64)
      ->set_raw_data(reinterpret_cast<const char*>(v.data()), v.size_bytes());
  return name;
}
std::string OnnxBuilder::AddInt8s(const std::string& name, const Dims& dims,
                                  std::span<const int8_t> v) {
  AddTensor(name, dims, onnx::TensorProto::INT8)
      ->set_raw_data(reinterpret_cast<const char*>(v.data()), v.size_bytes());
  return name;
}
std::string OnnxBuilder::AddUint8s(const std::string& name, const Dims& dims,
                                   std::span<const uint8_t> v) {
  AddTensor(name, dims, onnx::TensorProto::UINT8)
      ->set_raw_data(reinterpret_cast<const char*>(v.data()), v.size_bytes());
  return name;
}
std::string OnnxBuilder::AddScalar(const std::string& name, float v) {
  return AddFloats(name, {}, {&v, 1});
}

NodeRef OnnxBuilder::AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                             const std::vector<std::string>& outputs, const std::string& domain) {
  auto* n = model_.mutable_graph()->add_node();
  n->set_name(op_type + ":" + (outputs.empty() ? std::string() : outputs[0]));
  n->set_op_type(op_type);
  if (!domain.empty()) n->set_domain(domain);
  for (const auto& s : inputs) n->add_input(s);
  for (const auto& s : outputs) n->add_output(s);
  if (domain == kMlDomain && !ml_domain_) {
    ml_domain_ = true;
    auto* imp = model_.add_opset_import();
    imp->set_domain(kMlDomain);
    imp->set_version(kExportMlOpset);
  }
  return NodeRef(n);
}

Result<std::string> OnnxBuilder::Finish(const model::ModelMetadata& meta) {
  model::WriteMetadata(meta, &model_);
  std::string bytes = model_.SerializeAsString();
  auto loaded = model::OnnxModel::FromBytes(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "<exported model>");
  if (!loaded.ok()) {
    return Internal("exported model does not validate: " + loaded.status().message());
  }
  return bytes;
}

Status WriteFileAtomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return IoError("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (::fsync(::fileno(f)) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return IoError("cannot write " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

std::string ProducerVersion() { return "edgeloop " EDGELOOP_VERSION; }

std::string UtcNowIso8601() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace edgeloop::train
