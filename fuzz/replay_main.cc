// Runs a libFuzzer harness without libFuzzer, so that every compiler can build it and `make test`
// exercises it under the sanitizers: each file of the given corpus folders is fed as is, then
// as deterministic mutations (bit flips, truncations, byte insertions and splices of other
// corpus files). Real coverage-guided fuzzing: `make fuzz` (clang + libFuzzer).
//
// usage: <harness>_replay [--mutations N] CORPUS_DIR...
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

void Feed(const Bytes& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }

Bytes Mutate(const Bytes& base, const std::vector<Bytes>& corpus, std::mt19937_64& rng) {
  Bytes b = base;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = b.empty() ? 0 : rng() % (b.size() + 1);
    switch (rng() % 5) {
      case 0:  // flip a bit
        if (!b.empty()) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // truncate
        b.resize(pos);
        break;
      case 2:  // insert an interesting byte
      {
        static constexpr uint8_t kBytes[] = {0, '"', '[', ']', '=', '\n', '.', '-', 0xff, '#'};
        b.insert(b.begin() + static_cast<long>(pos), kBytes[rng() % sizeof kBytes]);
        break;
      }
      case 3:  // duplicate a chunk
        if (!b.empty()) {
          const size_t from = rng() % b.size();
          const size_t len = std::min<size_t>(b.size() - from, 1 + rng() % 64);
          Bytes chunk(b.begin() + static_cast<long>(from),
                      b.begin() + static_cast<long>(from + len));
          b.insert(b.begin() + static_cast<long>(pos), chunk.begin(), chunk.end());
        }
        break;
      default:  // splice in part of another corpus entry
      {
        const Bytes& other = corpus[rng() % corpus.size()];
        if (!other.empty()) {
          const size_t from = rng() % other.size();
          b.resize(pos);
          b.insert(b.end(), other.begin() + static_cast<long>(from), other.end());
        }
      }
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 2000;
  std::vector<Bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (ec) {
      std::fprintf(stderr, "cannot read corpus folder %s: %s\n", argv[i], ec.message().c_str());
      return 2;
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus files given\n");
    return 2;
  }
  std::mt19937_64 rng(20261122);
  Feed({});
  for (const Bytes& input : corpus) Feed(input);
  for (long i = 0; i < mutations; ++i) Feed(Mutate(corpus[rng() % corpus.size()], corpus, rng));
  std::printf("replayed %zu corpus inputs and %ld mutations: no crash\n", corpus.size(), mutations);
  return 0;
}
