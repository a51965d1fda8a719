// libcurl's process-wide initialisation and easy-handle creation.
#include <mutex>

#include "lib/error.h"
#include "lib/http/curl_easy.h"

namespace orch::http::detail {

void global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw Error("libcurl initialisation", curl_easy_strerror(result));
  }
}

Easy make_easy(const Request& req) {
  global_init();
  Easy easy(curl_easy_init());
  if (!easy) throw Error(error_context(req), "cannot create a curl handle");
  return easy;
}

}  // namespace orch::http::detail
