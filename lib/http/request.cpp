// request(): one blocking HTTP exchange on the calling thread.
#include <spdlog/spdlog.h>

#include "lib/error.h"
#include "lib/http/curl_easy.h"

namespace orch::http {

namespace {

/// CURLOPT_WRITEFUNCTION: appends the response body.
size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

Response request(const Request& req) {
  detail::Easy easy = detail::make_easy(req);
  char errbuf[CURL_ERROR_SIZE];
  detail::Slist headers = detail::configure(easy.get(), req, errbuf, "");
  Response response;
  auto check = [&](CURLcode code) {
    if (code != CURLE_OK) {
      throw Error(detail::error_context(req), detail::curl_error_text(req, code, errbuf));
    }
  };
  check(curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, req.timeout_ms));
  check(curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_body));
  check(curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &response.body));
  check(curl_easy_perform(easy.get()));
  check(curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &response.status));
  // Without userinfo and query, as in error messages.
  spdlog::debug("http {} -> {} ({} bytes)", detail::error_context(req), response.status,
                response.body.size());
  return response;
}

}  // namespace orch::http
