// libpq messages made safe to show: one line, passwords replaced by ***.
#include "lib/registry/db_pg_text.h"

#include <cstdlib>

#include "lib/registry/db.h"

namespace orch::registry::db {

std::string pg_one_line(std::string msg, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = 0; (pos = msg.find(s, pos)) != std::string::npos;)
      msg.replace(pos, s.size(), "***");
  }
  std::string out;
  for (char c : msg) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? "unknown PostgreSQL error" : out;
}

std::vector<std::string> pg_url_secrets(const std::string& url) {
  std::vector<std::string> out;
  const std::string masked = mask_url(url);
  // Walk both strings: where they differ, url holds a secret that masked holds as ***.
  size_t i = 0;
  size_t j = 0;
  while (i < url.size() && j < masked.size()) {
    if (url[i] == masked[j]) {
      ++i;
      ++j;
      continue;
    }
    // masked[j..j+3) is "***"; the secret runs in url up to masked[j+3]'s character.
    const size_t resume = j + 3;
    const char stop = resume < masked.size() ? masked[resume] : '\0';
    size_t end = stop ? url.find(stop, i) : url.size();
    if (end == std::string::npos) end = url.size();
    out.push_back(url.substr(i, end - i));
    i = end;
    j = resume;
  }
  const size_t n = out.size();
  for (size_t k = 0; k < n; ++k) {
    std::string decoded;
    const std::string& s = out[k];
    for (size_t p = 0; p < s.size(); ++p) {
      if (s[p] == '%' && p + 2 < s.size()) {
        decoded += static_cast<char>(std::strtol(s.substr(p + 1, 2).c_str(), nullptr, 16));
        p += 2;
      } else {
        decoded += s[p];
      }
    }
    if (decoded != s) out.push_back(decoded);
  }
  return out;
}

}  // namespace orch::registry::db
