// Running one hook: a command (sh -c, the event on stdin), a webhook (libcurl POST) or a desktop
// notification (notify-send). Each returns why it failed, "" when it did not.
#include <chrono>
#include <fstream>
#include <thread>

#include "lib/error.h"
#include "lib/home.h"
#include "lib/http/http.h"
#include "lib/process/process.h"
#include "lib/text.h"
#include "orchestrator/hooks/hooks.h"

namespace orch {
namespace {

constexpr int kHookPostAttempts = 3;
constexpr int64_t kHookPostBackoffMs = 1000;

// The last non-empty line of a hook's output, shortened, for its `hook` event.
std::string hook_last_line(const std::string& out) {
  std::string text = out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string line =
      text.substr(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  return to_valid_utf8(line.substr(0, 200));
}

std::string hook_seconds(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

std::string run_hook_command(const config::HookSpec& h, const std::string& json,
                             const std::map<std::string, std::string>& env, const std::string& cwd,
                             const std::string& stdin_file) {
  try {
    create_private_file(stdin_file);
    std::ofstream f(stdin_file, std::ios::binary | std::ios::trunc);
    f << json << '\n';
    if (!f.flush()) return "cannot write " + stdin_file;
  } catch (const Error& e) {
    return e.what();
  }
  process::SpawnOptions so;
  so.argv = {"/bin/sh", "-c", h.run};
  so.cwd = cwd;
  so.env_set = env;
  so.stdin_path = stdin_file;
  int timeout = static_cast<int>(std::min<int64_t>(h.timeout_ms, INT32_MAX));
  process::RunResult r;
  try {
    r = process::run(so, timeout);
  } catch (const Error& e) {
    return std::string("cannot start: ") + e.what();
  }
  if (r.timed_out) return "timed out after " + hook_seconds(h.timeout_ms);
  if (r.exit_code == 0) return "";
  std::string why = "exit " + std::to_string(r.exit_code);
  std::string last = hook_last_line(r.err.empty() ? r.out : r.err);
  return last.empty() ? why : why + ": " + last;
}

std::string post_hook(const config::HookSpec& h, const std::string& json) {
  http::Request req;
  req.method = "POST";
  req.url = h.url;
  req.body = json;
  req.headers["User-Agent"] = "orch-hooks";
  req.timeout_ms = static_cast<long>(std::min<int64_t>(h.timeout_ms, 24L * 3600 * 1000));
  req.connect_timeout_ms = std::min<long>(req.timeout_ms, 5000);
  std::string why;
  for (int attempt = 1; attempt <= kHookPostAttempts; ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kHookPostBackoffMs << (attempt - 2)));
    }
    try {
      http::Response r = http::request(req);
      if (r.status >= 200 && r.status < 300) return "";
      why = "HTTP " + std::to_string(r.status);
      if (r.status != 429 && r.status < 500) return why;  // another attempt would get the same
    } catch (const Error& e) {
      // "POST <url>: <cause>": the URL's path may be the webhook's secret (Slack's is).
      why = e.what();
      size_t colon = why.find(": ");
      if (why.rfind("POST ", 0) == 0 && colon != std::string::npos) why = why.substr(colon + 2);
    }
  }
  return why + " (after " + std::to_string(kHookPostAttempts) + " attempts)";
}

}  // namespace orch
