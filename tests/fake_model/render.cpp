#include "tests/fake_model/render.h"

#include <cctype>

namespace orch::fake_model {

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  if (out.empty()) out.push_back("");
  return out;
}

std::vector<std::string> split_pieces(const std::string& s, size_t parts) {
  std::vector<std::string> out;
  if (parts == 0) parts = 1;
  size_t size = (s.size() + parts - 1) / parts;
  if (size == 0) return {s};
  for (size_t i = 0; i < s.size(); i += size) out.push_back(s.substr(i, size));
  return out;
}

std::string sse_event(const std::string& event, const nlohmann::json& data) {
  std::string out;
  if (!event.empty()) out += "event: " + event + "\n";
  out += "data: " + data.dump() + "\n\n";
  return out;
}

}  // namespace orch::fake_model
