// URL helpers: percent-encoding, and URLs and curl errors made safe to print.
#include <climits>
#include <cstring>

#include "lib/error.h"
#include "lib/http/curl_easy.h"

namespace orch::http {

std::string escape(const std::string& value) {
  if (value.size() > static_cast<size_t>(INT_MAX)) throw Error("escape", "value too long");
  detail::global_init();
  // Since curl 7.82 the handle argument may be null; escaping needs no connection state.
  char* out = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  if (out == nullptr) throw Error("escape", "out of memory");
  std::string result(out);
  curl_free(out);
  return result;
}

namespace detail {

std::string redact_url(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  size_t authority_end = out.find('/', host);
  if (authority_end == std::string::npos) authority_end = out.size();
  size_t at = out.substr(host, authority_end - host).rfind('@');
  if (at != std::string::npos) out.erase(host, at + 1);
  return out;
}

std::string error_context(const Request& req) {
  return req.method + " " + redact_url(req.url);
}

namespace {

/// Replaces every occurrence of a non-empty `secret` in `text` with "***".
void scrub(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "***");
    pos += 3;
  }
}

}  // namespace

std::string curl_error_text(const Request& req, CURLcode code, const char* errbuf) {
  std::string text = curl_easy_strerror(code);
  if (errbuf != nullptr && errbuf[0] != '\0') {
    std::string detail(errbuf, strnlen(errbuf, CURL_ERROR_SIZE));
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
    if (!detail.empty() && detail != text) text += " (" + detail + ")";
  }
  // curl's messages name hosts and ports, not credentials; scrub anyway, in case one echoes a URL.
  scrub(text, req.auth.password);
  size_t query = req.url.find_first_of("?#");
  if (query != std::string::npos) scrub(text, req.url.substr(query + 1));
  size_t scheme = req.url.find("://");
  size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  size_t at = req.url.find('@', host);
  if (at != std::string::npos && at < req.url.find_first_of("/?#", host)) {
    scrub(text, req.url.substr(host, at - host));
  }
  return text;
}

}  // namespace detail
}  // namespace orch::http
