// `edgeloop model sign MODEL --key PRIVATE.pem`: what a desired-state entry needs to ship a model
// to nodes that check signatures (docs/protocol.md "Desired state"): sha256, size and the Ed25519
// signature of the file's bytes, as JSON.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "common/sha256.h"
#include "edge/signature.h"

namespace edgeloop::cli {
namespace {

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int SignModel(const std::string& model_path, const std::string& key_path) {
  auto model = ReadAll(model_path);
  if (!model.ok()) return Fail(model.status());
  auto key = ReadAll(key_path);
  if (!key.ok()) return Fail(key.status());
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(model->data()),
                                       model->size());
  auto signature = edge::SignEd25519(*key, bytes);
  if (!signature.ok()) return Fail(signature.status().WithContext(key_path));
  const nlohmann::json out = {
      {"sha256", Sha256Hex(bytes)}, {"size", model->size()}, {"signature", *signature}};
  fmt::print("{}\n", out.dump(2));
  return 0;
}

}  // namespace

void AddModelSignCommand(CLI::App& model_cmd, int& exit_code) {
  auto model = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  CLI::App* sign = model_cmd.add_subcommand(
      "sign", "Ed25519-sign a model file for nodes that check signatures (prints JSON)");
  sign->add_option("model", *model, "ONNX model file")->required();
  sign->add_option("--key", *key,
                   "Ed25519 private key, PEM (openssl genpkey -algorithm ed25519 -out key.pem)")
      ->required();
  sign->callback([model, key, &exit_code] { exit_code = SignModel(*model, *key); });
}

}  // namespace edgeloop::cli
