#include "model/ops.h"

#include <algorithm>
#include <map>
#include <string>

namespace edgeloop::model {
namespace {

std::map<std::string, OpKernel, std::less<>>& Table() {
  static std::map<std::string, OpKernel, std::less<>> table;
  return table;
}

void Register(std::string_view op_type, OpKernel kernel) { Table()[std::string(op_type)] = kernel; }

const std::map<std::string, OpKernel, std::less<>>& Registry() {
  static const bool once = [] {
    RegisterElementwiseOps(&Register);
    RegisterLinalgOps(&Register);
    RegisterShapeOps(&Register);
    RegisterMiscOps(&Register);
    RegisterIndexOps(&Register);
    RegisterNormOps(&Register);
    RegisterConvOps(&Register);
    RegisterExtraOps(&Register);
    RegisterConvTransposeOps(&Register);
    RegisterQuantOps(&Register);
    return true;
  }();
  (void)once;
  return Table();
}

// The "ai.onnx.ml" domain has its own table: its op names may clash with default-domain ones.
std::map<std::string, OpKernel, std::less<>>& MlTable() {
  static std::map<std::string, OpKernel, std::less<>> table;
  return table;
}

void RegisterMl(std::string_view op_type, OpKernel kernel) {
  MlTable()[std::string(op_type)] = kernel;
}

const std::map<std::string, OpKernel, std::less<>>& MlRegistry() {
  static const bool once = [] {
    RegisterMlOps(&RegisterMl);
    return true;
  }();
  (void)once;
  return MlTable();
}

}  // namespace

std::string DTypeName(int32_t t) {
  switch (t) {
    case 1:
      return "float";
    case 2:
      return "uint8";
    case 3:
      return "int8";
    case 4:
      return "uint16";
    case 5:
      return "int16";
    case 6:
      return "int32";
    case 7:
      return "int64";
    case 8:
      return "string";
    case 9:
      return "bool";
    case 10:
      return "float16";
    case 11:
      return "double";
    case 12:
      return "uint32";
    case 13:
      return "uint64";
    case 16:
      return "bfloat16";
    default:
      return "type " + std::to_string(t);
  }
}

bool IsSupportedDType(int32_t t) {
  return t == 1 || t == 2 || t == 3 || t == 6 || t == 7 || t == 9;
}

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kFloat:
    case DType::kInt32:
      return 4;
    case DType::kInt64:
      return 8;
    case DType::kBool:
    case DType::kUint8:
    case DType::kInt8:
      return 1;
  }
  return 8;
}

int64_t Shape::Count() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[static_cast<size_t>(i)] < 0) return -1;
    if (dims[static_cast<size_t>(i)] == 0) return 0;
  }
  for (int i = 0; i < rank; ++i) {
    n *= dims[static_cast<size_t>(i)];
    if (n > kMaxTensorElements) return -1;
  }
  return n;
}

std::string ShapeString(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) {
    if (i > 0) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

const OpKernel* FindOp(std::string_view domain, std::string_view op_type) {
  const bool ml = domain == "ai.onnx.ml";
  if (!ml && !domain.empty() && domain != "ai.onnx") return nullptr;
  const auto& reg = ml ? MlRegistry() : Registry();
  auto it = reg.find(op_type);
  return it == reg.end() ? nullptr : &it->second;
}

std::string SupportedOps() {
  std::string out;
  for (const auto& [name, kernel] : Registry()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  for (const auto& [name, kernel] : MlRegistry()) out += ", ai.onnx.ml:" + name;
  return out;
}

const onnx::AttributeProto* FindAttr(const NodeArgs& a, std::string_view name) {
  for (const auto& attr : a.node->attribute()) {
    if (attr.name() == name) return &attr;
  }
  return nullptr;
}

int64_t AttrInt(const NodeArgs& a, std::string_view name, int64_t fallback) {
  const auto* attr = FindAttr(a, name);
  return attr ? attr->i() : fallback;
}

float AttrFloat(const NodeArgs& a, std::string_view name, float fallback) {
  const auto* attr = FindAttr(a, name);
  return attr ? attr->f() : fallback;
}

Status NodeError(const NodeArgs& a, std::string_view msg) {
  return InvalidArgument("node '" + a.node->name() + "' (" + a.node->op_type() +
                         "): " + std::string(msg));
}

Status CheckAttrs(const NodeArgs& a, std::initializer_list<std::string_view> known) {
  for (const auto& attr : a.node->attribute()) {
    if (std::find(known.begin(), known.end(), attr.name()) == known.end()) {
      return NodeError(
          a, "attribute '" + attr.name() + "' of " + a.node->op_type() + " not supported");
    }
  }
  return Status::Ok();
}

Status NormalizeAxis(const NodeArgs& a, int64_t axis, int rank, int* out) {
  if (axis < -rank || axis >= rank) {
    return NodeError(
        a, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  }
  *out = static_cast<int>(axis < 0 ? axis + rank : axis);
  return Status::Ok();
}

Result<AxisSplit> SoftmaxAxisSplit(const NodeArgs& a) {
  const Shape& s = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", a.opset < 13 ? 1 : -1), s.rank, &axis));
  AxisSplit split;
  for (int i = 0; i < axis; ++i) split.outer *= s[i];
  if (a.opset < 13) {
    for (int i = axis; i < s.rank; ++i) split.n *= s[i];
  } else {
    split.n = s[axis];
    for (int i = axis + 1; i < s.rank; ++i) split.inner *= s[i];
  }
  return split;
}

Status CheckWork(const NodeArgs& a, const Shape& out, double per_output) {
  double n = per_output;
  for (int i = 0; i < out.rank; ++i) n *= static_cast<double>(out[i]);
  if (n > kMaxNodeWork) {
    return NodeError(a, "needs " + std::to_string(n) + " multiply-adds; the limit is 2^32");
  }
  return Status::Ok();
}

Status BroadcastShapes(const NodeArgs& a, std::span<const Shape* const> shapes, Shape* out) {
  int rank = 0;
  for (const Shape* s : shapes) rank = std::max(rank, s->rank);
  out->rank = rank;
  for (int i = 0; i < rank; ++i) {
    int64_t d = 1;
    for (const Shape* s : shapes) {
      int j = i - (rank - s->rank);
      if (j < 0) continue;
      int64_t e = (*s)[j];
      if (e == d || e == 1) continue;
      if (d != 1) {
        std::string msg = "shapes";
        for (const Shape* t : shapes) msg += " " + ShapeString(*t);
        return NodeError(a, msg + " cannot be broadcast");
      }
      d = e;
    }
    (*out)[i] = d;
  }
  return Status::Ok();
}

}  // namespace edgeloop::model
