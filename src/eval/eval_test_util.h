// Test helper shared by the eval tests: writes a small benchmark tree into a temp folder.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace edgeloop::eval {

// Writes `text` to `p`, creating its parent folders.
inline void Write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace edgeloop::eval
