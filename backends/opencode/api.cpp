#include "backends/opencode/api.h"

#include <atomic>
#include <cstdio>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/process/process.h"

namespace orch::opencode {

Api::Api(std::string base_url, http::BasicAuth auth, std::string directory)
    : base_url_(std::move(base_url)), auth_(std::move(auth)), directory_(std::move(directory)) {}

http::Response Api::call(const std::string& method, const std::string& path,
                         const std::string& body, long timeout_ms) {
  http::Request req;
  req.method = method;
  req.url = base_url_ + path + "?directory=" + http::escape(directory_);
  req.body = body;
  req.auth = auth_;
  req.timeout_ms = timeout_ms;
  http::Response resp = http::request(req);
  if (resp.status < 200 || resp.status >= 300) {
    std::string detail = resp.body.substr(0, 300);
    throw Error("opencode " + method + " " + path,
                "HTTP " + std::to_string(resp.status) + (detail.empty() ? "" : ": " + detail));
  }
  return resp;
}

std::string Api::create_session(const std::string& title, const json::Json& permission,
                                long timeout_ms) {
  json::Json body = {{"title", title}, {"permission", permission}};
  http::Response resp = call("POST", "/session", json::dump(body), timeout_ms);
  json::Parser parser;
  std::string id = json::str(json::at(parser.parse(resp.body), "id"));
  if (id.empty()) throw Error("opencode POST /session", "reply has no session id");
  return id;
}

std::string Api::fork_session(const std::string& from, const std::string& title,
                              const json::Json& permission, long timeout_ms) {
  http::Response resp = call("POST", "/session/" + http::escape(from) + "/fork", "{}", timeout_ms);
  json::Parser parser;
  std::string id = json::str(json::at(parser.parse(resp.body), "id"));
  if (id.empty())
    throw Error("opencode POST /session/" + from + "/fork", "reply has no session id");
  json::Json body = {{"title", title}, {"permission", permission}};
  call("PATCH", "/session/" + http::escape(id), json::dump(body));
  return id;
}

void Api::prompt_async(const std::string& session, const std::string& message_id,
                       const std::string& text, const std::string& model) {
  json::Json body = {{"messageID", message_id},
                     {"parts", json::Json::array({{{"type", "text"}, {"text", text}}})}};
  if (auto slash = model.find('/'); slash != std::string::npos) {
    body["model"] = {{"providerID", model.substr(0, slash)}, {"modelID", model.substr(slash + 1)}};
  }
  call("POST", "/session/" + http::escape(session) + "/prompt_async", json::dump(body));
}

void Api::abort(const std::string& session) {
  call("POST", "/session/" + http::escape(session) + "/abort", "");
}

std::string Api::messages(const std::string& session) {
  return call("GET", "/session/" + http::escape(session) + "/message", "", 30000).body;
}

void Api::reply_permission(const std::string& request_id, const std::string& reply) {
  call("POST", "/permission/" + http::escape(request_id) + "/reply",
       json::dump(json::Json({{"reply", reply}})));
}

void Api::reject_question(const std::string& request_id) {
  call("POST", "/question/" + http::escape(request_id) + "/reject", "");
}

bool Api::has_session(const std::string& session) {
  http::Request req;
  req.url =
      base_url_ + "/session/" + http::escape(session) + "?directory=" + http::escape(directory_);
  req.auth = auth_;
  req.timeout_ms = 15000;
  http::Response resp = http::request(req);
  if (resp.status == 404) return false;
  if (resp.status != 200) {
    throw Error("opencode GET /session/" + session, "HTTP " + std::to_string(resp.status));
  }
  return true;
}

std::string Api::status() {
  return call("GET", "/session/status", "").body;
}

http::Request Api::global_events_request() const {
  http::Request req;
  req.url = base_url_ + "/global/event";
  req.auth = auth_;
  req.headers["Accept"] = "text/event-stream";
  return req;
}

std::string new_message_id() {
  static std::atomic<uint64_t> counter{0};
  uint64_t v = ((static_cast<uint64_t>(now_ms()) << 12) | (counter++ & 0xFFF)) & 0xFFFFFFFFFFFFULL;
  char hex[16];
  std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(v));
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string rnd = process::random_hex(14);
  std::string tail;
  for (size_t i = 0; i < 14; ++i) {
    unsigned byte = static_cast<unsigned>(std::stoul(rnd.substr(i * 2, 2), nullptr, 16));
    tail += kAlnum[byte % 62];
  }
  return "msg_" + std::string(hex) + tail;
}

}  // namespace orch::opencode
