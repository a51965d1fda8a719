// Targets (issue 16 §2), with 10,000 sessions in the registry: `orch dashboard`'s sessions page
// loads in under 300 ms, a state change is visible within 500 ms of its commit to the registry,
// and the dashboard process stays under 30 MB RSS. Prints figures (medians), not pass/fail:
// - server: GET /, /app.js and GET /api/sessions?all=1 (its first page of 100: what the page's
//   first load fetches) with libcurl; a walk over all 10,000 in pages of 500 (the largest),
//   from 4 clients at once (so several server threads, and malloc arenas, serve them);
// - push: commit -> SSE "change" on /api/events, and commit -> the refetched page holding it;
// - browser (when Debian's chromium and .deps/playwright are there): bench/dashboard_browser.mjs
//   in headless chromium, from navigation to the first page's rows rendered, and from the commit
//   to the row's new state in the page;
// - the dashboard's VmRSS and VmHWM after all of it.
#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench/support.h"
#include "lib/clock.h"
#include "lib/process/process.h"
#include "lib/registry/registry.h"

using namespace orch;
using namespace orch::bench;

namespace {

constexpr int kDashSessions = 10000;
constexpr int kDashLive = 20;  // the newest sessions stay live (their states flip)

size_t dash_append(char* d, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(d, s * n);
  return s * n;
}

// GET url with the token header; returns the body.
std::string dash_get(const std::string& url, const std::string& token) {
  std::string body;
  CURL* c = curl_easy_init();
  curl_slist* h = curl_slist_append(nullptr, ("X-Orch-Token: " + token).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dash_append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_perform(c);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return body;
}

// Reads every session through /api/sessions?all=1&limit=500, following the Link header's
// after=; returns how many it got.
size_t dash_walk(const std::string& base, const std::string& token) {
  size_t rows = 0;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    std::string headers, body;
    CURL* c = curl_easy_init();
    curl_slist* h = curl_slist_append(nullptr, ("X-Orch-Token: " + token).c_str());
    std::string u =
        base + "/api/sessions?all=1&limit=500" + (after.empty() ? "" : "&after=" + after);
    curl_easy_setopt(c, CURLOPT_URL, u.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dash_append);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, dash_append);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    for (size_t at = body.find("\"session\":"); at != std::string::npos;
         at = body.find("\"session\":", at + 1)) {
      ++rows;
    }
    size_t a = headers.find("&after=");
    if (a == std::string::npos) break;
    after = headers.substr(a + 7, headers.find('>', a) - a - 7);
  }
  return rows;
}

std::string dash_live_id(int k) {
  return "s" + std::to_string(10000000 + kDashSessions - 1 - (k % kDashLive));
}

// Moves live session `id` between running and waiting; returns the new state.
registry::State dash_flip(registry::Registry& reg, const std::string& id) {
  std::optional<registry::Session> s = reg.get_session(id);
  registry::State next = s && s->state == registry::State::kRunning ? registry::State::kWaiting
                                                                    : registry::State::kRunning;
  reg.set_state(id, next, "bench");
  return next;
}

int64_t dash_rss_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  Scratch scratch;
  std::filesystem::path home = scratch.path / "home";
  auto reg = registry::Registry::open(home / "orch.db");
  fill_registry(*reg, RegistryFill{kDashSessions, kDashLive, 20, "s"});

  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", home.string(), "dashboard"};
  so.pipe_stdout = true;
  process::Child dash = process::spawn(so);
  std::optional<std::string> url = dash.read_line(30000, nullptr);
  if (!url) {
    std::cerr << "orch dashboard printed no URL\n";
    return 1;
  }
  std::string base = url->substr(0, url->find("/?token="));
  std::string token = url->substr(url->find("/?token=") + 8);

  std::vector<double> page_ms, list_ms, walk_ms, sse_ms, seen_ms;
  size_t list_bytes = 0, walk_rows = 0;
  for (int i = 0; i < rounds; ++i) {
    page_ms.push_back(time_ms([&] {
      dash_get(base + "/?token=" + token, token);
      dash_get(base + "/app.js", token);
      list_bytes = dash_get(base + "/api/sessions?all=1", token).size();
    }));
    list_ms.push_back(time_ms([&] { dash_get(base + "/api/sessions?all=1", token); }));
  }
  // Every session, a page of 500 at a time, from 4 clients at once.
  for (int i = 0; i < std::min(rounds, 3); ++i) {
    walk_ms.push_back(time_ms([&] {
      std::vector<std::thread> clients;
      std::atomic<size_t> rows{0};
      for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&] { rows += dash_walk(base, token); });
      }
      for (std::thread& t : clients) t.join();
      walk_rows = rows / 4;
    }));
  }
  int64_t walk_rss_kb = dash_rss_kb(dash.pid(), "VmRSS");
  // Push: an SSE reader; each commit's "change" is timed from the commit.
  std::atomic<int64_t> changed{0};
  std::thread reader([&] {
    CURL* c = curl_easy_init();
    std::string u = base + "/api/events?token=" + token;
    std::string buf;
    auto on_data = +[](char* d, size_t s, size_t n, void* self) -> size_t {
      auto* p = static_cast<std::pair<std::string*, std::atomic<int64_t>*>*>(self);
      p->first->append(d, s * n);
      if (p->first->find("event: change") != std::string::npos) {
        p->second->store(now_ms());
        p->first->clear();
      }
      return s * n;
    };
    std::pair<std::string*, std::atomic<int64_t>*> ctx{&buf, &changed};
    curl_easy_setopt(c, CURLOPT_URL, u.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ctx);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(3000 * (rounds + 2)));
    curl_easy_perform(c);
    curl_easy_cleanup(c);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  for (int i = 0; i < rounds; ++i) {
    changed = 0;
    int64_t t0 = now_ms();
    dash_flip(*reg, dash_live_id(i));
    while (changed.load() == 0 && now_ms() - t0 < 2000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    sse_ms.push_back(static_cast<double>(changed.load() - t0));
    std::string page = dash_get(base + "/api/sessions?all=1", token);
    if (page.find("\"session\":\"" + dash_live_id(i) + "\"") == std::string::npos) {
      std::cerr << "the first page misses live session " << dash_live_id(i) << "\n";
    }
    seen_ms.push_back(static_cast<double>(now_ms() - t0));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  reader.join();
  std::printf("dashboard, %d sessions, medians of %d:\n", kDashSessions, rounds);
  std::printf("  first load (page, script, list) over HTTP: %.1f ms (target < 300 ms)\n",
              median(page_ms));
  std::printf("  /api/sessions?all=1 alone (first page, %zu bytes): %.1f ms\n", list_bytes,
              median(list_ms));
  std::printf(
      "  all %zu sessions in pages of 500, 4 clients at once: %.1f ms; VmRSS after: %.1f "
      "MB\n",
      walk_rows, median(walk_ms), static_cast<double>(walk_rss_kb) / 1024);
  std::printf("  commit -> SSE change: %.1f ms; commit -> refetched list: %.1f ms (target < 500)\n",
              median(sse_ms), median(seen_ms));

  // The browser, when it is there: bench/dashboard_browser.mjs.
  std::string pw = std::string(ORCH_SOURCE_DIR) + "/.deps/playwright/node_modules/playwright-core";
  if (std::filesystem::exists("/usr/bin/chromium") && std::filesystem::exists(pw)) {
    process::SpawnOptions b;
    b.argv = {"node", std::string(ORCH_SOURCE_DIR) + "/bench/dashboard_browser.mjs"};
    b.env_set = {{"DASH_URL", *url},
                 {"PLAYWRIGHT_CORE", pw},
                 {"CHROMIUM", "/usr/bin/chromium"},
                 {"HOME", scratch.path.string()},
                 {"ROUNDS", std::to_string(rounds)}};
    b.pipe_stdin = b.pipe_stdout = true;
    process::Child node = process::spawn(b);
    // The script asks for a flip ("flip K"); the answer is the commit time, epoch ms. Its first
    // line comes after all its page loads: a timeout here is no end (giving up after one minute
    // closed the script's stdin under load, and it failed reading the answer).
    int64_t until = now_ms() + 600000;
    for (bool eof = false; !eof && now_ms() < until;) {
      std::optional<std::string> line = node.read_line(1000, &eof);
      if (!line) continue;
      if (line->rfind("flip ", 0) == 0) {
        std::string id = dash_live_id(std::stoi(line->substr(5)));
        int64_t t0 = now_ms();
        registry::State next = dash_flip(*reg, id);
        node.write_stdin(id + " " + registry::to_string(next) + " " + std::to_string(t0) + "\n");
      } else {
        std::printf("  %s\n", line->c_str());
      }
    }
    node.wait(10000);
  } else {
    std::printf("  browser: skipped (no /usr/bin/chromium or %s)\n", pw.c_str());
  }
  std::printf("  dashboard process: VmRSS %.1f MB, VmHWM %.1f MB (target < 30 MB)\n",
              static_cast<double>(dash_rss_kb(dash.pid(), "VmRSS")) / 1024,
              static_cast<double>(dash_rss_kb(dash.pid(), "VmHWM")) / 1024);
  dash.terminate(5000);
  return 0;
}
