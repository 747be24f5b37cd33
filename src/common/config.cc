#include "common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <set>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

// config.h forward-declares toml::v3::table to keep toml++ out of its includers; a toml++ with
// another inline namespace makes toml::table ambiguous here, so a mismatch cannot go unnoticed.
static_assert(std::is_same_v<toml::table, toml::v3::table>);

namespace edgeloop {

namespace config_internal {

struct DocumentState {
  std::string source_name;
  toml::table root;  // never moved after parsing: views point into it
  // Per table, every key the application asked for, whether present or not.
  std::unordered_map<const toml::table*, std::set<std::string, std::less<>>> known_keys;
};

}  // namespace config_internal

namespace {

using config_internal::DocumentState;

std::string FormatNumber(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

// "plant.toml:12:9", "plant.toml:12" or "plant.toml", depending on what is known.
std::string Location(const DocumentState& s, const toml::source_region& region) {
  std::string out = s.source_name;
  if (region.begin.line == 0) return out;
  out += ':';
  out += std::to_string(region.begin.line);
  if (region.begin.column != 0) {
    out += ':';
    out += std::to_string(region.begin.column);
  }
  return out;
}

// The position of a table as a whole: its first line (not for the root, which has none).
std::string TableLocation(const DocumentState& s, const toml::table* table) {
  std::string out = s.source_name;
  if (table != &s.root && table->source().begin.line != 0) {
    out += ':';
    out += std::to_string(table->source().begin.line);
  }
  return out;
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string QuoteKey(std::string_view key) {
  if (IsBareKey(key)) return std::string(key);
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string JoinPath(std::string_view table_path, std::string_view key) {
  std::string out(table_path);
  if (!out.empty()) out += '.';
  out += QuoteKey(key);
  return out;
}

std::string ElementPath(std::string_view array_path, size_t index) {
  return std::string(array_path) + "[" + std::to_string(index) + "]";
}

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
// adjacent characters each cost 1.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// Records `key` as known in `table` and returns its node, or nullptr when absent.
const toml::node* Lookup(DocumentState& s, const toml::table* table, std::string_view key) {
  std::set<std::string, std::less<>>& known = s.known_keys[table];
  if (known.find(key) == known.end()) known.emplace(key);
  return table->get(key);
}

Status TypeError(const DocumentState& s, const std::string& path, const toml::node& node,
                 std::string_view expected) {
  return InvalidArgument(Location(s, node.source()) + ": '" + path + "' must be " +
                         std::string(expected) + ", got " + std::string(TypeName(node)));
}

Status MissingKey(const DocumentState& s, const toml::table* table, const std::string& path) {
  return InvalidArgument(TableLocation(s, table) + ": missing required key '" + path + "'");
}

Result<double> AsDouble(const DocumentState& s, const std::string& path, const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) return f->get();
  return TypeError(s, path, n, "a number");
}

Result<int64_t> AsInt(const DocumentState& s, const std::string& path, const toml::node& n) {
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) {
    double v = f->get();
    // [-2^63, 2^63) is exactly the range of int64_t.
    if (std::isfinite(v) && std::trunc(v) == v && v >= -9223372036854775808.0 &&
        v < 9223372036854775808.0) {
      return static_cast<int64_t>(v);
    }
    return InvalidArgument(Location(s, n.source()) + ": '" + path + "' must be an integer, got " +
                           FormatNumber(v));
  }
  return TypeError(s, path, n, "an integer");
}

Result<std::string> AsString(const DocumentState& s, const std::string& path, const toml::node& n) {
  if (const auto* str = n.as_string()) return str->get();
  return TypeError(s, path, n, "a string");
}

Result<bool> AsBool(const DocumentState& s, const std::string& path, const toml::node& n) {
  if (const auto* b = n.as_boolean()) return b->get();
  return TypeError(s, path, n, "a boolean");
}

Result<std::vector<double>> AsDoubleArray(const DocumentState& s, const std::string& path,
                                          const toml::node& n) {
  const toml::array* array = n.as_array();
  if (array == nullptr) return TypeError(s, path, n, "an array of numbers");
  std::vector<double> out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    EL_ASSIGN_OR_RETURN(double v, AsDouble(s, ElementPath(path, i), *array->get(i)));
    out.push_back(v);
  }
  return out;
}

Result<std::vector<std::string>> AsStringArray(const DocumentState& s, const std::string& path,
                                               const toml::node& n) {
  const toml::array* array = n.as_array();
  if (array == nullptr) return TypeError(s, path, n, "an array of strings");
  std::vector<std::string> out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    EL_ASSIGN_OR_RETURN(std::string v, AsString(s, ElementPath(path, i), *array->get(i)));
    out.push_back(std::move(v));
  }
  return out;
}

template <typename T>
using Converter = Result<T> (*)(const DocumentState&, const std::string&, const toml::node&);

template <typename T>
Result<T> ReadRequired(DocumentState& s, const toml::table* table, std::string_view table_path,
                       std::string_view key, Converter<T> convert) {
  const toml::node* node = Lookup(s, table, key);
  std::string path = JoinPath(table_path, key);
  if (node == nullptr) return MissingKey(s, table, path);
  return convert(s, path, *node);
}

template <typename T>
Result<T> ReadOptional(DocumentState& s, const toml::table* table, std::string_view table_path,
                       std::string_view key, T fallback, Converter<T> convert) {
  const toml::node* node = Lookup(s, table, key);
  if (node == nullptr) return fallback;
  return convert(s, JoinPath(table_path, key), *node);
}

struct UnknownKey {
  uint32_t line;
  uint32_t column;
  std::string message;
};

void CollectUnknown(const DocumentState& s, const toml::node& node, const std::string& path,
                    std::vector<UnknownKey>* out);

void CollectUnknownInTable(const DocumentState& s, const toml::table& table,
                           const std::string& path, std::vector<UnknownKey>* out) {
  auto it = s.known_keys.find(&table);
  const std::set<std::string, std::less<>>* known =
      it == s.known_keys.end() ? nullptr : &it->second;
  for (auto&& [key, value] : table) {
    std::string key_path = JoinPath(path, key.str());
    if (known != nullptr && known->count(key.str()) != 0) {
      CollectUnknown(s, value, key_path, out);
      continue;
    }
    std::string message = Location(s, key.source()) + ": unknown key '" + key_path + "'";
    if (known != nullptr) {
      const std::string* best = nullptr;
      size_t best_distance = 3;  // suggest only within edit distance 2
      for (const std::string& candidate : *known) {
        size_t distance = EditDistance(key.str(), candidate);
        if (distance < best_distance) {
          best = &candidate;
          best_distance = distance;
        }
      }
      if (best != nullptr) message += " (did you mean '" + QuoteKey(*best) + "'?)";
    }
    out->push_back({key.source().begin.line, key.source().begin.column, std::move(message)});
  }
}

void CollectUnknown(const DocumentState& s, const toml::node& node, const std::string& path,
                    std::vector<UnknownKey>* out) {
  if (const toml::table* table = node.as_table()) {
    CollectUnknownInTable(s, *table, path, out);
  } else if (const toml::array* array = node.as_array()) {
    for (size_t i = 0; i < array->size(); ++i) {
      CollectUnknown(s, *array->get(i), ElementPath(path, i), out);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ConfigTable

ConfigTable::ConfigTable(std::shared_ptr<config_internal::DocumentState> state,
                         const toml::table* table, std::string path)
    : state_(std::move(state)), table_(table), path_(std::move(path)) {}

Result<double> ConfigTable::Double(std::string_view key) const {
  return ReadRequired<double>(*state_, table_, path_, key, AsDouble);
}
Result<double> ConfigTable::Double(std::string_view key, double fallback) const {
  return ReadOptional<double>(*state_, table_, path_, key, fallback, AsDouble);
}
Result<int64_t> ConfigTable::Int(std::string_view key) const {
  return ReadRequired<int64_t>(*state_, table_, path_, key, AsInt);
}
Result<int64_t> ConfigTable::Int(std::string_view key, int64_t fallback) const {
  return ReadOptional<int64_t>(*state_, table_, path_, key, fallback, AsInt);
}
Result<std::string> ConfigTable::String(std::string_view key) const {
  return ReadRequired<std::string>(*state_, table_, path_, key, AsString);
}
Result<std::string> ConfigTable::String(std::string_view key, std::string fallback) const {
  return ReadOptional<std::string>(*state_, table_, path_, key, std::move(fallback), AsString);
}
Result<bool> ConfigTable::Bool(std::string_view key) const {
  return ReadRequired<bool>(*state_, table_, path_, key, AsBool);
}
Result<bool> ConfigTable::Bool(std::string_view key, bool fallback) const {
  return ReadOptional<bool>(*state_, table_, path_, key, fallback, AsBool);
}
Result<std::vector<double>> ConfigTable::DoubleArray(std::string_view key) const {
  return ReadRequired<std::vector<double>>(*state_, table_, path_, key, AsDoubleArray);
}
Result<std::vector<double>> ConfigTable::DoubleArray(std::string_view key,
                                                     std::vector<double> fallback) const {
  return ReadOptional<std::vector<double>>(*state_, table_, path_, key, std::move(fallback),
                                           AsDoubleArray);
}

Result<std::vector<std::string>> ConfigTable::StringArray(std::string_view key) const {
  return ReadRequired<std::vector<std::string>>(*state_, table_, path_, key, AsStringArray);
}
Result<std::vector<std::string>> ConfigTable::StringArray(std::string_view key,
                                                          std::vector<std::string> fallback) const {
  return ReadOptional<std::vector<std::string>>(*state_, table_, path_, key, std::move(fallback),
                                                AsStringArray);
}

bool ConfigTable::Has(std::string_view key) const {
  return Lookup(*state_, table_, key) != nullptr;
}

Result<ConfigTable> ConfigTable::Table(std::string_view key) const {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> table, OptionalTable(key));
  if (!table.has_value()) return MissingKey(*state_, table_, Path(key));
  return *std::move(table);
}

Result<std::optional<ConfigTable>> ConfigTable::OptionalTable(std::string_view key) const {
  const toml::node* node = Lookup(*state_, table_, key);
  if (node == nullptr) return std::optional<ConfigTable>();
  std::string path = Path(key);
  const toml::table* table = node->as_table();
  if (table == nullptr) return TypeError(*state_, path, *node, "a table");
  return std::optional<ConfigTable>(ConfigTable(state_, table, std::move(path)));
}

Result<std::vector<ConfigTable>> ConfigTable::TableArray(std::string_view key) const {
  const toml::node* node = Lookup(*state_, table_, key);
  std::vector<ConfigTable> out;
  if (node == nullptr) return out;
  std::string path = Path(key);
  const toml::array* array = node->as_array();
  if (array == nullptr) return TypeError(*state_, path, *node, "an array of tables");
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string element_path = ElementPath(path, i);
    const toml::table* table = element.as_table();
    if (table == nullptr) return TypeError(*state_, element_path, element, "a table");
    out.push_back(ConfigTable(state_, table, std::move(element_path)));
  }
  return out;
}

std::string ConfigTable::Path(std::string_view key) const { return JoinPath(path_, key); }

Status ConfigTable::Error(std::string_view key, std::string_view problem) const {
  const toml::node* node = table_->get(key);
  std::string where =
      node != nullptr ? Location(*state_, node->source()) : TableLocation(*state_, table_);
  return InvalidArgument(where + ": '" + Path(key) + "' " + std::string(problem));
}

// ---------------------------------------------------------------------------------------------
// ConfigDocument

ConfigDocument::ConfigDocument(std::shared_ptr<config_internal::DocumentState> state)
    : state_(std::move(state)) {}

ConfigDocument::~ConfigDocument() = default;

Result<ConfigDocument> ConfigDocument::ParseFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return NotFound("config file '" + path + "' does not exist");
    }
    return IoError("cannot open config file '" + path +
                   "': " + std::generic_category().message(err));
  }
  std::string text;
  char buffer[16384];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    int err = errno;
    return IoError("cannot read config file '" + path +
                   "': " + std::generic_category().message(err));
  }
  return ParseString(text, path);
}

Result<ConfigDocument> ConfigDocument::ParseString(std::string_view text, std::string source_name) {
  auto state = std::make_shared<DocumentState>();
  state->source_name = std::move(source_name);
  try {
    state->root = toml::parse(text, std::string_view(state->source_name));
  } catch (const toml::parse_error& e) {
    return InvalidArgument(Location(*state, e.source()) +
                           ": TOML syntax error: " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Internal(state->source_name + ": TOML parser failed: " + e.what());
  }
  return ConfigDocument(std::move(state));
}

ConfigTable ConfigDocument::Root() const { return ConfigTable(state_, &state_->root, ""); }

Status ConfigDocument::CheckNoUnknownKeys() const {
  if (state_ == nullptr) return FailedPrecondition("ConfigDocument was moved from");
  std::vector<UnknownKey> unknown;
  CollectUnknownInTable(*state_, state_->root, "", &unknown);
  if (unknown.empty()) return Status::Ok();
  std::stable_sort(unknown.begin(), unknown.end(), [](const UnknownKey& a, const UnknownKey& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::string message;
  for (const UnknownKey& u : unknown) {
    if (!message.empty()) message += '\n';
    message += u.message;
  }
  return InvalidArgument(std::move(message));
}

// ---------------------------------------------------------------------------------------------

Status CheckRange(const ConfigTable& table, std::string_view key, double value, double lo,
                  double hi) {
  if (value >= lo && value <= hi) return Status::Ok();
  return table.Error(key, "= " + FormatNumber(value) + " is out of range [" + FormatNumber(lo) +
                              ", " + FormatNumber(hi) + "]");
}

}  // namespace edgeloop
