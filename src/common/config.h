// Strict, typed reading of TOML configuration files.
//
// Every error names the file, the dotted key and the line (and column when known), so a user can
// fix a config in one go:
//
//   plant.toml:12:12: 'pipeline.window_s' must be a number, got a string
//   plant.toml:5: missing required key 'pipeline.window_s'
//   plant.toml:7:1: unknown key 'pipeline.windw_s' (did you mean 'window_s'?)
//
// Typical use, at startup:
//
//   EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseFile(path));
//   EL_ASSIGN_OR_RETURN(ConfigTable pipeline, doc.Root().Table("pipeline"));
//   EL_ASSIGN_OR_RETURN(double window_s, pipeline.Double("window_s", 10.0));
//   EL_RETURN_IF_ERROR(CheckRange(pipeline, "window_s", window_s, 0.1, 3600));
//   ...
//   EL_RETURN_IF_ERROR(doc.CheckNoUnknownKeys());  // after everything known has been read
//
// toml++ is confined to config.cc; no toml++ exception crosses this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace toml {
inline namespace v3 {
class table;
}  // namespace v3
}  // namespace toml

namespace edgeloop {

namespace config_internal {
struct DocumentState;  // the parsed tree, the source name and the keys the application asked for
}  // namespace config_internal

// A view of one table inside a ConfigDocument: a pointer to the table, its dotted path ("plant",
// "plant.gateway[1]") and shared ownership of the document's state, so a view stays valid after
// the ConfigDocument is moved or destroyed. Cheap to copy.
//
// `key` arguments are single TOML keys of this table ("window_s"), not dotted paths.
// Every accessor that names a key (including Has) records the key as known to the application,
// whether or not it is present; ConfigDocument::CheckNoUnknownKeys reports the others.
// Optional accessors (with a fallback) return the fallback when the key is absent, but an error
// when it is present with the wrong type.
//
// Threads: a document and all views into it share mutable state (the known keys) without
// locking: use them from one thread at a time.
class ConfigTable {
 public:
  // Numbers: integers are accepted and converted.
  Result<double> Double(std::string_view key) const;
  Result<double> Double(std::string_view key, double fallback) const;
  // Integers: a float with no fractional part (3.0) is accepted; 2.5 is an error.
  Result<int64_t> Int(std::string_view key) const;
  Result<int64_t> Int(std::string_view key, int64_t fallback) const;
  Result<std::string> String(std::string_view key) const;
  Result<std::string> String(std::string_view key, std::string fallback) const;
  Result<bool> Bool(std::string_view key) const;
  Result<bool> Bool(std::string_view key, bool fallback) const;
  // An array whose elements are all numbers (integers or floats); may be empty.
  Result<std::vector<double>> DoubleArray(std::string_view key) const;
  Result<std::vector<double>> DoubleArray(std::string_view key, std::vector<double> fallback) const;
  // An array whose elements are all strings; may be empty.
  Result<std::vector<std::string>> StringArray(std::string_view key) const;
  Result<std::vector<std::string>> StringArray(std::string_view key,
                                               std::vector<std::string> fallback) const;

  // Whether the key is present (of any type).
  bool Has(std::string_view key) const;

  // A required sub-table ([pipeline] or pipeline = { ... }).
  Result<ConfigTable> Table(std::string_view key) const;
  // An optional sub-table: nullopt when absent, an error when present but not a table.
  Result<std::optional<ConfigTable>> OptionalTable(std::string_view key) const;
  // An array of tables ([[gateway]] or gateway = [{ ... }, ...]); empty when absent.
  Result<std::vector<ConfigTable>> TableArray(std::string_view key) const;

  // Dotted path of a key of this table, for messages: "pipeline.window_s",
  // "plant.gateway[1].id". Keys that are not bare TOML keys are quoted: pipeline."a b".
  std::string Path(std::string_view key) const;

  // An InvalidArgument error about a key of this table, in the shape of this module's own
  // errors: "<file>:<line>:<col>: '<path>' <problem>". The position is the key's value when
  // present, else this table's. E.g. Error("kind", "must be one of pump, motor, fan").
  Status Error(std::string_view key, std::string_view problem) const;

 private:
  friend class ConfigDocument;
  ConfigTable(std::shared_ptr<config_internal::DocumentState> state, const toml::table* table,
              std::string path);

  std::shared_ptr<config_internal::DocumentState> state_;
  const toml::table* table_;  // owned by *state_
  std::string path_;          // "" for the root
};

// A parsed TOML document plus the set of keys the application has read from it. Move-only; it
// shares ownership of its state with the ConfigTable views made from it.
//
// Threads: one thread at a time for the document and all its views (see ConfigTable).
class ConfigDocument {
 public:
  // Reads and parses a file. A missing file is NotFound, an unreadable one IoError, a syntax
  // error InvalidArgument; all name the path. The path as given is used in messages.
  static Result<ConfigDocument> ParseFile(const std::string& path);
  // Parses text; `source_name` (e.g. "plant.toml") prefixes every message.
  static Result<ConfigDocument> ParseString(std::string_view text, std::string source_name);

  ConfigDocument(ConfigDocument&&) noexcept = default;
  ConfigDocument& operator=(ConfigDocument&&) noexcept = default;
  ConfigDocument(const ConfigDocument&) = delete;
  ConfigDocument& operator=(const ConfigDocument&) = delete;
  ~ConfigDocument();

  // The top-level table. Must not be called on a moved-from document.
  ConfigTable Root() const;

  // Call after the application has read every key it knows. InvalidArgument listing, one per
  // line in file order, every key the application never asked for, e.g.
  //   plant.toml:7:1: unknown key 'pipeline.windw_s' (did you mean 'window_s'?)
  // The suggestion is the closest key asked for in the same table, within edit distance 2.
  // An unknown table is reported once, not key by key. Tables the application asked for are
  // checked recursively, including each table of an array of tables.
  Status CheckNoUnknownKeys() const;

 private:
  explicit ConfigDocument(std::shared_ptr<config_internal::DocumentState> state);

  std::shared_ptr<config_internal::DocumentState> state_;
};

// InvalidArgument unless lo <= value <= hi (NaN is out of range):
//   "plant.toml:4:11: 'detector.raise_z' = 0.5 is out of range [1, 100]"
Status CheckRange(const ConfigTable& table, std::string_view key, double value, double lo,
                  double hi);

}  // namespace edgeloop
