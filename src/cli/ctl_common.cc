// `edgeloop ctl`: connection, exit-code policy and rendering shared by every ctl command.
#include "cli/ctl_common.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hub/api_client.h"

namespace edgeloop::cli {
namespace {

using nlohmann::json;

constexpr char kDefaultHub[] = "http://127.0.0.1:8080";

std::string Trimmed(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

// The bearer token: --token, else --token-file, else $EDGELOOP_TOKEN, else none. A token file
// that cannot be read or is empty is a usage error: sending no token would only earn a 401 that
// hides the real mistake.
Result<std::string> ResolveToken(const CtlOptions& options) {
  if (!options.token.empty()) return options.token;
  if (!options.token_file.empty()) {
    std::ifstream in(options.token_file);
    if (!in) return NotFound("cannot read token file " + options.token_file);
    std::string line;
    std::getline(in, line);
    std::string token = Trimmed(line);
    if (token.empty()) return InvalidArgument("token file " + options.token_file + " is empty");
    return token;
  }
  if (const char* env = std::getenv("EDGELOOP_TOKEN"); env != nullptr) return Trimmed(env);
  return std::string();
}

bool IsRfc3339Ms(const std::string& s) {
  // "2024-05-01T12:00:00.123Z", as the hub writes every time.
  return s.size() == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z';
}

}  // namespace

std::string ResolveHubUrl(const CtlOptions& options) {
  if (!options.hub.empty()) return options.hub;
  if (const char* env = std::getenv("EDGELOOP_HUB"); env != nullptr && *env != '\0') return env;
  return kDefaultHub;
}

int CtlUsage(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kCtlUsageError;
}

int CtlExchange(const CtlOptions& options, const CtlRequest& request,
                const std::function<int(const json&)>& human) {
  Result<std::string> token = ResolveToken(options);
  if (!token.ok()) return CtlUsage(token.status().message());
  const std::string url = ResolveHubUrl(options);
  auto client = hub::ApiClient::Create(url, *token);
  if (!client.ok()) return CtlUsage(client.status().message() + " (--hub or EDGELOOP_HUB)");
  Result<hub::ApiReply> reply = InvalidArgument("no request");
  if (!request.content_type.empty()) {
    reply = (*client)->PostBytes(request.path, request.bytes, request.content_type);
  } else if (request.method == "GET") {
    reply = (*client)->Get(request.path);
  } else if (request.method == "DELETE") {
    reply = (*client)->Delete(request.path);
  } else if (request.method == "PUT") {
    reply = (*client)->Put(request.path, request.body.is_null() ? json::object() : request.body);
  } else if (request.body.is_null()) {
    // Action routes (ack, promote, ...) take no body.
    reply = (*client)->PostBytes(request.path, "", "application/json");
  } else {
    reply = (*client)->Post(request.path, request.body);
  }
  if (!reply.ok()) {
    std::string message = reply.status().message();
    if (token->empty() && message.rfind("HTTP 401", 0) == 0) {
      message += " (no token given: use --token-file, --token or EDGELOOP_TOKEN)";
    }
    std::fprintf(stderr, "error: %s\n", message.c_str());
    return kCtlHubError;
  }
  if (options.json) {
    if (reply->json.is_null() && !reply->body.empty()) {
      std::fwrite(reply->body.data(), 1, reply->body.size(), stdout);
      if (reply->body.back() != '\n') std::fputc('\n', stdout);
    } else {
      std::printf("%s\n", reply->json.dump(2).c_str());
    }
    return 0;
  }
  return human(reply->json);
}

const json& JsonAt(const json& object, std::string_view path) {
  static const json kNull = nullptr;
  const json* at = &object;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string key(path.substr(0, dot));
    if (!at->is_object()) return kNull;
    auto it = at->find(key);
    if (it == at->end()) return kNull;
    at = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return *at;
}

std::string CellText(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (IsRfc3339Ms(s)) return s.substr(0, 10) + " " + s.substr(11, 8) + "Z";
    return s.empty() ? "-" : s;
  }
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d)) return value.dump();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", d);
    return buf;
  }
  if (value.is_array()) {
    bool scalars = true;
    for (const json& v : value) scalars = scalars && !v.is_structured();
    if (scalars) {
      if (value.empty()) return "-";
      std::string out;
      for (const json& v : value) out += (out.empty() ? "" : ",") + CellText(v);
      return out;
    }
  }
  if (value.is_object() && value.empty()) return "-";
  return value.dump();
}

const json& ArrayOf(const json& reply, std::string_view key) {
  static const json kEmpty = json::array();
  if (reply.is_array()) return reply;
  const json& at = JsonAt(reply, key);
  return at.is_array() ? at : kEmpty;
}

void PrintTable(const json& rows, const std::vector<CtlColumn>& columns,
                std::string_view empty_note) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  std::vector<std::string> header;
  for (const CtlColumn& c : columns) {
    header.push_back(c.header);
    widths.push_back(c.header.size());
  }
  cells.push_back(header);
  if (rows.is_array()) {
    for (const json& row : rows) {
      std::vector<std::string> line;
      for (size_t i = 0; i < columns.size(); ++i) {
        const json& value = JsonAt(row, columns[i].path);
        std::string text = columns[i].render ? columns[i].render(value) : CellText(value);
        // One row per line, whatever the hub stored.
        std::replace(text.begin(), text.end(), '\n', ' ');
        widths[i] = std::max(widths[i], text.size());
        line.push_back(std::move(text));
      }
      cells.push_back(std::move(line));
    }
  }
  for (const auto& line : cells) {
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    std::printf("%s\n", out.c_str());
  }
  if (cells.size() == 1 && !empty_note.empty()) {
    std::printf("(%.*s)\n", static_cast<int>(empty_note.size()), empty_note.data());
  }
}

void PrintFields(const json& object,
                 const std::vector<std::pair<std::string, std::string>>& label_paths,
                 bool keep_null) {
  size_t width = 0;
  for (const auto& [label, path] : label_paths) width = std::max(width, label.size());
  for (const auto& [label, path] : label_paths) {
    const json& value = JsonAt(object, path);
    if (value.is_null() && !keep_null) continue;
    std::printf("%-*s  %s\n", static_cast<int>(width + 1), (label + ":").c_str(),
                CellText(value).c_str());
  }
}

std::string ShortHash(const json& value) {
  if (!value.is_string()) return CellText(value);
  return value.get<std::string>().substr(0, 12);
}

std::string Percent(const json& value) {
  if (!value.is_number()) return CellText(value);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", value.get<double>() * 100);
  return buf;
}

std::string ShellQuote(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace edgeloop::cli
