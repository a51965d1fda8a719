// Turns a Request into options on a curl easy handle (shared by request() and SseStream).
#include <algorithm>
#include <cctype>

#include "lib/error.h"
#include "lib/http/curl_easy.h"

namespace orch::http::detail {

namespace {

bool iequals(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool has_header(const Request& req, const std::string& name) {
  return std::any_of(req.headers.begin(), req.headers.end(),
                     [&](const auto& header) { return iequals(header.first, name); });
}

/// Throws on a refused option; the message names the request, not its credentials.
void check(const Request& req, CURLcode code) {
  if (code != CURLE_OK) throw Error(error_context(req), curl_easy_strerror(code));
}

/// Appends one header line to `list`.
void append(const Request& req, Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) throw Error(error_context(req), "out of memory building headers");
  (void)list.release();
  list.reset(grown);
}

}  // namespace

Slist configure(CURL* easy, const Request& req, char* errbuf, const std::string& extra_header) {
  errbuf[0] = '\0';
  check(req, curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf));
  check(req, curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  check(req, curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str()));
  check(req, curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
  check(req, curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms));

  const bool is_post = req.method == "POST";
  if (req.method == "GET") {
    check(req, curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
  } else if (!is_post) {
    check(req, curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str()));
  }
  if (is_post || !req.body.empty()) {
    // POSTFIELDS with an explicit size: an empty POST still sends "Content-Length: 0".
    check(req, curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                static_cast<curl_off_t>(req.body.size())));
    check(req, curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req.body.c_str()));
  }

  if (!req.auth.password.empty()) {
    check(req, curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC)));
    check(req, curl_easy_setopt(easy, CURLOPT_USERNAME, req.auth.user.c_str()));
    check(req, curl_easy_setopt(easy, CURLOPT_PASSWORD, req.auth.password.c_str()));
  }

  Slist headers;
  if ((is_post || !req.body.empty()) && !has_header(req, "Content-Type")) {
    append(req, headers, "Content-Type: application/json");
  }
  append(req, headers, "Expect:");  // no 100-continue round trip for large bodies
  if (!extra_header.empty() && !has_header(req, extra_header.substr(0, extra_header.find(':')))) {
    append(req, headers, extra_header);
  }
  for (const auto& [name, value] : req.headers) {
    // curl drops "Name:" (it means "remove"); "Name;" sends the header with an empty value.
    append(req, headers, value.empty() ? name + ";" : name + ": " + value);
  }
  check(req, curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get()));
  return headers;
}

}  // namespace orch::http::detail
