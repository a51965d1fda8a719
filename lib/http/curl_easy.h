// Internal to lib/http: libcurl plumbing shared by request() and SseStream. Not a public header.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "lib/http/http.h"

namespace orch::http::detail {

/// Initialises libcurl once per process (std::call_once); call before any other curl function.
void global_init();

/// Frees an easy handle.
struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
/// An owned easy handle; one per transfer, never shared between threads.
using Easy = std::unique_ptr<CURL, EasyDeleter>;

/// Frees a header list.
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
/// An owned header list; must outlive the transfer that uses it.
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

/// Creates an easy handle after global_init(); throws orch::Error when libcurl cannot.
Easy make_easy(const Request& req);

/// `url` without userinfo, query string and fragment: safe to print.
std::string redact_url(const std::string& url);

/// "<METHOD> <redacted url>", the context of every error about `req`.
std::string error_context(const Request& req);

/// "<curl_easy_strerror> (<errbuf detail>)" with the password and the URL's query removed.
std::string curl_error_text(const Request& req, CURLcode code, const char* errbuf);

/// Applies everything `req` asks for to `easy`: method, URL, body, headers (Content-Type for JSON
/// bodies plus `extra_header` when not empty), Basic auth, timeouts, NOSIGNAL and the error
/// buffer. `errbuf` (CURL_ERROR_SIZE bytes) and `req` must outlive the transfer, as must the
/// returned header list. Throws orch::Error when an option is refused.
Slist configure(CURL* easy, const Request& req, char* errbuf, const std::string& extra_header);

}  // namespace orch::http::detail
