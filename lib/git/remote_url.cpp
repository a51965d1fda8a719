// Repository URLs: recognising, checking and redacting them (libcurl's curl_url parser).
#include <curl/curl.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

#include "lib/error.h"
#include "lib/git/remote.h"
#include "lib/text.h"

namespace orch::git {

namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxShownBytes = 200;

struct UrlFree {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};

// The parts of a URL curl_url parsed; a part it does not have is nullopt.
struct UrlParts {
  std::string scheme;
  std::optional<std::string> user, password, options, host, port, path, query, fragment;
};

std::optional<std::string> url_part(CURLU* u, CURLUPart what, unsigned flags) {
  char* raw = nullptr;
  if (curl_url_get(u, what, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
  std::string out(raw);
  curl_free(raw);
  return out;
}

// Parses `url` with curl_url (any scheme); nullopt when it does not parse.
std::optional<UrlParts> parse_url(const std::string& url, unsigned part_flags = 0) {
  std::unique_ptr<CURLU, UrlFree> u(curl_url());
  if (!u) return std::nullopt;
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts p;
  p.scheme = url_part(u.get(), CURLUPART_SCHEME, 0).value_or("");
  p.user = url_part(u.get(), CURLUPART_USER, part_flags);
  p.password = url_part(u.get(), CURLUPART_PASSWORD, 0);
  p.options = url_part(u.get(), CURLUPART_OPTIONS, 0);
  p.host = url_part(u.get(), CURLUPART_HOST, 0);
  p.port = url_part(u.get(), CURLUPART_PORT, 0);
  p.path = url_part(u.get(), CURLUPART_PATH, part_flags);
  p.query = url_part(u.get(), CURLUPART_QUERY, 0);
  p.fragment = url_part(u.get(), CURLUPART_FRAGMENT, 0);
  return p;
}

bool is_scheme_char(char c, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// The scheme `s` starts with (before "://" or "::"), lower-cased; "" when none.
std::string leading_scheme(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && is_scheme_char(s[i], i == 0)) ++i;
  if (i == 0 || s.compare(i, 2, "::") != 0) {
    if (i == 0 || s.compare(i, 3, "://") != 0) return "";
  }
  std::string scheme = s.substr(0, i);
  for (char& c : scheme) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return scheme;
}

bool has_control_char(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string cut_shown(std::string s) {
  if (s.size() <= kMaxShownBytes) return s;
  s.resize(kMaxShownBytes);
  return to_valid_utf8(s) + "...";
}

// The reason `url` is refused, or "" when orch accepts it.
std::string url_problem(const std::string& url) {
  if (url.size() > kMaxUrlBytes) {
    return "is longer than " + std::to_string(kMaxUrlBytes) + " bytes";
  }
  if (!is_valid_utf8(url)) return "is not valid UTF-8";
  if (has_control_char(url)) return "holds control characters";
  const std::string scheme = leading_scheme(url);
  if (scheme != "ssh" && scheme != "https" && scheme != "git" && scheme != "file") {
    return "unsupported scheme '" + scheme + "' (orch takes " + kRepoUrlSchemes + ")";
  }
  if (url.compare(scheme.size(), 3, "://") != 0) return "is not a URL (scheme://...)";
  auto p = parse_url(url);
  if (!p) return "does not parse as a URL";
  if (p->password) {
    return "holds a password; orch does not keep credentials in URLs (use ssh:// with ssh-agent)";
  }
  if ((p->user || p->options) && scheme != "ssh") {
    return "holds user info; orch does not keep credentials in URLs (use ssh:// with ssh-agent)";
  }
  if (p->query || p->fragment) return "holds a query or fragment; a repository URL has none";
  if (scheme == "file") {
    if (p->host && !p->host->empty() && *p->host != "localhost") {
      return "file:// takes a local path (file:///path), not host '" + *p->host + "'";
    }
  } else if (!p->host || p->host->empty()) {
    return "has no host";
  } else if ((*p->host)[0] == '-' || (p->user && !p->user->empty() && (*p->user)[0] == '-')) {
    return "has a host or user starting with '-'";
  }
  auto decoded = parse_url(url, CURLU_URLDECODE);
  // curl_url does not decode a path to control characters: no decoded path then.
  std::string path = decoded && decoded->path ? *decoded->path : "\n";
  if (path.empty() || path == "/") return "has no repository path";
  if (has_control_char(path) || path.find('\'') != std::string::npos ||
      (decoded->user && has_control_char(*decoded->user))) {
    return "holds a quote or a control character in its (decoded) path or user";
  }
  if (!is_valid_utf8(path)) return "has a path that is not valid UTF-8 once decoded";
  return "";
}

uint32_t url_fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

bool looks_like_url(const std::string& repo) {
  return !leading_scheme(repo).empty();
}

bool is_repo_url(const std::string& repo) {
  return looks_like_url(repo) && url_problem(repo).empty();
}

void check_repo_url(const std::string& url) {
  std::string why = url_problem(url);
  if (!why.empty()) throw Error("repository URL '" + redact_url(url) + "'", why, kExitUsage);
}

std::string redact_url(const std::string& url) {
  const std::string scheme = leading_scheme(url);
  auto p = url.size() <= kMaxUrlBytes && !has_control_char(url) ? parse_url(url) : std::nullopt;
  if (!p || scheme.empty() || url.compare(scheme.size(), 3, "://") != 0) {
    // Not parsable: hide whatever sits between "://" and the last '@' before the path.
    std::string out = to_valid_utf8(url);
    std::size_t start = out.find("://");
    if (start != std::string::npos) {
      start += 3;
      std::size_t slash = out.find('/', start);
      std::size_t at = out.rfind('@', slash == std::string::npos ? out.size() : slash);
      if (at != std::string::npos && at >= start) out.replace(start, at - start, "***");
    }
    return cut_shown(out);
  }
  std::string out = p->scheme + "://";
  if (p->user && scheme == "ssh" && !p->password) {
    out += *p->user + "@";
  } else if (p->user || p->password || p->options) {
    out += "***@";
  }
  out += p->host.value_or("");
  if (p->port) out += ":" + *p->port;
  out += p->path.value_or("");
  if (p->query) out += "?***";
  return cut_shown(to_valid_utf8(out));
}

std::string mirror_name(const std::string& url) {
  auto p = parse_url(url);
  std::string path = p && p->path ? *p->path : "";
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string last =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string name;
  for (char c : last) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    name += ok ? c : '_';
    if (name.size() == 64) break;
  }
  if (name.empty() || name == "." || name == "..") name = "repo";
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", url_fnv1a(url));
  return name + "-" + hash;
}

}  // namespace orch::git
