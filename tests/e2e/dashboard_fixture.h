// End-to-end fixture for `orch dashboard`: starts the real orch dashboard on the E2E home, reads
// its URL (port and token) from its stdout, and sends raw requests with libcurl (any method, Host
// header and token), for the API tests and the browser test.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/fixture.h"

namespace orch::test {

/// What a request to the dashboard got back.
struct DashReply {
  long status = 0;
  std::string body;
  std::string headers;  ///< the response's header lines, as received
};

class DashboardE2E : public E2E {
 protected:
  void TearDown() override {
    if (dash_.pid() > 0 && !dash_.exited()) dash_.terminate(5000);
    E2E::TearDown();
  }

  /// Starts `orch dashboard` with `extra` flags; reads the URL line; fills port_, token_, url_.
  void start_dashboard(const std::vector<std::string>& extra = {}) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home_.string(), "dashboard"};
    so.argv.insert(so.argv.end(), extra.begin(), extra.end());
    so.env_set = env_;
    so.pipe_stdout = true;
    dash_err_ = tmp_->path() / "dashboard.err";
    so.stderr_path = dash_err_.string();
    dash_ = process::spawn(so);
    std::optional<std::string> line = dash_.read_line(20000, nullptr);
    ASSERT_TRUE(line.has_value()) << "orch dashboard printed no URL";
    url_ = *line;
    const std::string prefix = "http://127.0.0.1:";
    ASSERT_EQ(url_.rfind(prefix, 0), 0u) << url_;
    size_t slash = url_.find("/?token=");
    ASSERT_NE(slash, std::string::npos) << url_;
    port_ = std::stoi(url_.substr(prefix.size(), slash - prefix.size()));
    token_ = url_.substr(slash + 8);
  }

  /// The Host header the dashboard accepts.
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  /// A request to the dashboard: `method` on `path` (with its query), `headers` as given (e.g.
  /// "Host: evil.example", "X-Orch-Token: ..."), `body` for a POST; `timeout_ms` for the whole
  /// transfer (a stream is cut there, with what came so far).
  DashReply request(const std::string& method, const std::string& path,
                    const std::vector<std::string>& headers = {}, const std::string& body = "",
                    long timeout_ms = 60000) {
    DashReply r;
    CURL* c = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port_) + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DashboardE2E::append);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &DashboardE2E::append);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return r;
  }
  /// GET `path` with the token header.
  DashReply get(const std::string& path) { return request("GET", path, {tok()}); }
  /// POST `path` with the token header and a JSON body.
  DashReply post(const std::string& path, const std::string& body = "{}") {
    return request("POST", path, {tok(), "Content-Type: application/json"}, body);
  }
  std::string tok() const { return "X-Orch-Token: " + token_; }
  /// The body as JSON (null when it is not JSON).
  static json::Json parse(const DashReply& r) {
    return json::Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }

  process::Child dash_;
  std::filesystem::path dash_err_;
  std::string url_, token_;
  int port_ = 0;

 private:
  static size_t append(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
};

}  // namespace orch::test
