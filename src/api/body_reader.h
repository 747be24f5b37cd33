// BodyReader: strict reading of a JSON object request body.
//
// Typed getters record every problem instead of stopping at the first, so a client gets one
// 400 naming all bad fields ("name: expected a string; role: required"). Finish() also rejects
// fields the handler never asked for, because a misspelled optional field silently ignored is
// a configuration bug the caller cannot see. Never throws.
//
// Usage:
//   EL_ASSIGN_OR_RETURN(BodyReader body, BodyReader::Parse(req.body));   // or StatusResponse
//   std::string name = body.String("name", {.max_len = 128});
//   std::optional<int64_t> ttl = body.OptInt("ttl_s", 1, 86400 * 30);
//   if (Status s = body.Finish(); !s.ok()) return StatusResponse(s);
//
// Threads: one reader per request.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace edgeloop::api {

struct StringRule {
  size_t min_len = 1;    // required strings must be non-empty by default
  size_t max_len = 256;  // bytes
};

class BodyReader {
 public:
  // kInvalidArgument "body: not valid JSON at byte N" / "body: expected an object".
  static Result<BodyReader> Parse(std::string_view body);
  // Wraps an already-parsed object (nested objects of a body).
  explicit BodyReader(nlohmann::json object, std::string prefix = "");

  // Required getters record "name: required" when absent (or null) and return a default.
  std::string String(std::string_view name, StringRule rule = {});
  std::optional<std::string> OptString(std::string_view name, StringRule rule = {});
  int64_t Int(std::string_view name, int64_t min, int64_t max);
  std::optional<int64_t> OptInt(std::string_view name, int64_t min, int64_t max);
  double Double(std::string_view name, double min, double max);
  std::optional<double> OptDouble(std::string_view name, double min, double max);
  std::optional<bool> OptBool(std::string_view name);
  // One of `allowed`.
  std::string Enum(std::string_view name, const std::vector<std::string>& allowed);
  std::optional<std::string> OptEnum(std::string_view name,
                                     const std::vector<std::string>& allowed);
  // Array of strings, each by `rule`, at most `max_items`.
  std::optional<std::vector<std::string>> OptStringList(std::string_view name, size_t max_items,
                                                        StringRule rule = {});
  // Any JSON object (e.g. free-form attributes), at most `max_bytes` when serialized.
  std::optional<nlohmann::json> OptObject(std::string_view name, size_t max_bytes = 65536);

  // Records a custom error for `name` (e.g. a cross-field rule).
  void AddError(std::string_view name, std::string_view message);
  bool Has(std::string_view name) const;

  // OK, or kInvalidArgument listing every recorded error and every unknown field.
  Status Finish() const;
  const nlohmann::json& json() const { return body_; }

 private:
  const nlohmann::json* Field(std::string_view name);  // marks seen; null when absent/null
  std::string Name(std::string_view name) const { return prefix_ + std::string(name); }

  nlohmann::json body_;
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
  std::vector<std::string> errors_;
};

}  // namespace edgeloop::api
