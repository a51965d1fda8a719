// Baseline for supervisor_rss_bench: a program that only links Debian's libcurl (no orch code,
// no libstdc++ use beyond startup) and initialises it as any HTTP client must. Its peak RSS is
// the memory floor of every process that talks to an OpenCode server through libcurl.
#include <curl/curl.h>

int main() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return 1;
  curl_easy_cleanup(easy);
  curl_global_cleanup();
  return 0;
}
