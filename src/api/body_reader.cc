#include "api/body_reader.h"

#include <cmath>

namespace edgeloop::api {
namespace {

std::string JsonTypeName(const nlohmann::json& j) {
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return "null";
}

}  // namespace

Result<BodyReader> BodyReader::Parse(std::string_view body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgument("body: not valid JSON at byte " + std::to_string(e.byte));
  } catch (const std::exception&) {
    return InvalidArgument("body: not valid JSON");
  }
  if (!j.is_object()) return InvalidArgument("body: expected an object");
  return BodyReader(std::move(j));
}

BodyReader::BodyReader(nlohmann::json object, std::string prefix)
    : body_(std::move(object)), prefix_(std::move(prefix)) {}

const nlohmann::json* BodyReader::Field(std::string_view name) {
  seen_.insert(std::string(name));
  if (!body_.is_object()) return nullptr;
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool BodyReader::Has(std::string_view name) const {
  return body_.is_object() && body_.contains(name) && !body_[std::string(name)].is_null();
}

void BodyReader::AddError(std::string_view name, std::string_view message) {
  errors_.push_back(Name(name) + ": " + std::string(message));
}

std::optional<std::string> BodyReader::OptString(std::string_view name, StringRule rule) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  if (!f->is_string()) {
    AddError(name, "expected a string, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  const std::string& s = f->get_ref<const std::string&>();
  if (s.size() < rule.min_len) {
    AddError(name, rule.min_len == 1 ? "must not be empty"
                                     : "at least " + std::to_string(rule.min_len) + " bytes");
    return std::nullopt;
  }
  if (s.size() > rule.max_len) {
    AddError(name, "longer than " + std::to_string(rule.max_len) + " bytes");
    return std::nullopt;
  }
  return s;
}

std::string BodyReader::String(std::string_view name, StringRule rule) {
  if (!Has(name)) {
    Field(name);
    AddError(name, "required");
    return "";
  }
  return OptString(name, rule).value_or("");
}

std::optional<int64_t> BodyReader::OptInt(std::string_view name, int64_t min, int64_t max) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  int64_t v = 0;
  if (f->is_number_integer()) {
    // Unsigned values above INT64_MAX are out of every range we accept.
    if (f->is_number_unsigned() && f->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      AddError(name, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
      return std::nullopt;
    }
    v = f->get<int64_t>();
  } else if (f->is_number_float() && std::isfinite(f->get<double>()) &&
             std::trunc(f->get<double>()) == f->get<double>() &&
             std::fabs(f->get<double>()) < 9e15) {
    v = static_cast<int64_t>(f->get<double>());  // 3.0 is an integer
  } else {
    AddError(name, "expected an integer, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  if (v < min || v > max) {
    AddError(name, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return std::nullopt;
  }
  return v;
}

int64_t BodyReader::Int(std::string_view name, int64_t min, int64_t max) {
  if (!Has(name)) {
    Field(name);
    AddError(name, "required");
    return min;
  }
  return OptInt(name, min, max).value_or(min);
}

std::optional<double> BodyReader::OptDouble(std::string_view name, double min, double max) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  if (!f->is_number()) {
    AddError(name, "expected a number, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  const double v = f->get<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    AddError(name,
             "must be in [" + nlohmann::json(min).dump() + ", " + nlohmann::json(max).dump() + "]");
    return std::nullopt;
  }
  return v;
}

double BodyReader::Double(std::string_view name, double min, double max) {
  if (!Has(name)) {
    Field(name);
    AddError(name, "required");
    return min;
  }
  return OptDouble(name, min, max).value_or(min);
}

std::optional<bool> BodyReader::OptBool(std::string_view name) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  if (!f->is_boolean()) {
    AddError(name, "expected a boolean, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  return f->get<bool>();
}

std::optional<std::string> BodyReader::OptEnum(std::string_view name,
                                               const std::vector<std::string>& allowed) {
  std::optional<std::string> s = OptString(name, {.min_len = 0, .max_len = 256});
  if (!s) return std::nullopt;
  for (const std::string& a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  AddError(name, "must be one of " + list);
  return std::nullopt;
}

std::string BodyReader::Enum(std::string_view name, const std::vector<std::string>& allowed) {
  if (!Has(name)) {
    Field(name);
    AddError(name, "required");
    return "";
  }
  return OptEnum(name, allowed).value_or("");
}

std::optional<std::vector<std::string>> BodyReader::OptStringList(std::string_view name,
                                                                  size_t max_items,
                                                                  StringRule rule) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  if (!f->is_array()) {
    AddError(name, "expected an array of strings, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  if (f->size() > max_items) {
    AddError(name, "at most " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < f->size(); ++i) {
    const nlohmann::json& item = (*f)[i];
    const std::string where = std::string(name) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      AddError(where, "expected a string, got " + JsonTypeName(item));
      ok = false;
    } else if (item.get_ref<const std::string&>().size() < rule.min_len ||
               item.get_ref<const std::string&>().size() > rule.max_len) {
      AddError(where, "length must be in [" + std::to_string(rule.min_len) + ", " +
                          std::to_string(rule.max_len) + "]");
      ok = false;
    } else {
      out.push_back(item.get<std::string>());
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<nlohmann::json> BodyReader::OptObject(std::string_view name, size_t max_bytes) {
  const nlohmann::json* f = Field(name);
  if (f == nullptr) return std::nullopt;
  if (!f->is_object()) {
    AddError(name, "expected an object, got " + JsonTypeName(*f));
    return std::nullopt;
  }
  if (f->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() > max_bytes) {
    AddError(name, "larger than " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return *f;
}

Status BodyReader::Finish() const {
  std::vector<std::string> problems = errors_;
  std::string unknown;
  if (body_.is_object()) {
    for (auto it = body_.begin(); it != body_.end(); ++it) {
      if (seen_.find(it.key()) == seen_.end()) {
        unknown += (unknown.empty() ? "" : ", ") + Name(it.key());
      }
    }
  }
  if (!unknown.empty()) problems.push_back("unknown field(s): " + unknown);
  if (problems.empty()) return Status::Ok();
  std::string message;
  for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
  return InvalidArgument(std::move(message));
}

}  // namespace edgeloop::api
