// The dashboard's HTTP server (cmd/dashboard_server.h): guard, routes, SSE, registry watcher.
#include "cmd/dashboard_server.h"

#include <httplib.h>
#include <malloc.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>

#include "cmd/dashboard_api.h"
#include "cmd/dashboard_page.h"
#include "lib/error.h"
#include "orchestrator/pool/pool.h"

namespace orch::cmd {
namespace {

constexpr int kDashWatchMs = 50;          // how often the registry's data_version is read
constexpr int kDashSlotsMs = 5000;        // how often lost sessions are marked (fill_slots)
constexpr int kDashKeepAliveS = 5;        // an SSE comment this often keeps proxies from timing out
constexpr size_t kDashThreads = 16;       // requests served at once (each open page holds one)
constexpr size_t kDashMaxBody = 1 << 20;  // the largest POST body (a nudge's text, a brief)
// Memory, measured with 10,000 sessions, 4 clients each reading them all in pages of 1000 three
// times (2026-12-06): glibc gives each of the pool's threads its own malloc arena, which keeps
// what its requests freed: VmRSS 111 MB afterwards with the default arenas, 43 MB with two
// (MALLOC_ARENA_MAX=2), 23.5 MB once idle with two and malloc_trim after large answers. (The
// whole list per request, before pages, reached 816 MB.) Hence two arenas, and a trim after an
// answer at least this large (a page of 500 sessions is ~0.4 MB of JSON, a few MB as objects).
constexpr size_t kDashTrimBytes = 256 << 10;
constexpr int kDashArenas = 2;

volatile sig_atomic_t g_dash_signal = 0;
void dash_on_signal(int) {
  g_dash_signal = 1;
}

const std::regex& dash_action_re() {
  static const std::regex re("^/api/sessions/[^/]+/(stop|nudge|handoff)$");
  return re;
}

// Constant-time comparison of two tokens (their lengths are not secret).
bool dash_same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void dash_json(httplib::Response& res, int status, const json::Json& body) {
  res.status = status;
  res.set_content(json::dump(body), "application/json; charset=utf-8");
}

void dash_refuse(httplib::Response& res, int status) {
  const char* why = status == 401   ? "missing or wrong token"
                    : status == 405 ? "method not allowed"
                    : status == 404 ? "not found"
                                    : "forbidden";
  dash_json(res, status, {{"error", why}});
}

int64_t dash_param(const httplib::Request& req, const char* key) {
  std::string v = req.get_param_value(key);
  if (v.empty()) return 0;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw Error(std::string("'") + key + "'", "not a number: " + v, kExitUsage);
  }
}

}  // namespace

int dashboard_guard(const std::string& method, const std::string& path, const std::string& host,
                    const std::string& header_token, const std::string& query_token,
                    const std::string& token, int port, bool read_only) {
  if (host != "127.0.0.1:" + std::to_string(port)) return 403;
  bool post = method == "POST";
  if (method != "GET" && method != "HEAD" && !post) return 405;
  const std::string& given =
      post ? header_token : (header_token.empty() ? query_token : header_token);
  if (token.empty() || !dash_same(given, token)) return 401;
  bool action = std::regex_match(path, dash_action_re());
  if (action != post) return 405;
  if (action && read_only) return 403;
  return 0;
}

std::string dashboard_token() {
  unsigned char buf[32];
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = getrandom(buf + got, sizeof buf - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("dashboard token", "getrandom failed", kExitError);
    got += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : buf) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

struct DashboardServer::Impl {
  Factory& f;
  std::string token;
  bool read_only;
  int port = 0;
  httplib::Server svr;
  std::mutex reg_mu;  // the shared registry connection: one request at a time
  std::mutex ev_mu;
  std::condition_variable ev_cv;
  int64_t version = 1;  // bumped when the registry changed
  bool stopping = false;
  std::atomic<bool> trim{false};  // a large answer was sent: the watcher trims the heap

  Impl(Factory& factory, std::string t, bool ro) : f(factory), token(std::move(t)), read_only(ro) {}

  // Runs `fn` and answers with its JSON, or with the HTTP status of its error.
  template <typename Fn>
  void answer(httplib::Response& res, Fn&& fn) {
    try {
      dash_json(res, 200, fn());
      if (res.body.size() >= kDashTrimBytes) trim = true;
    } catch (const Error& e) {
      dash_json(res, http_status_for(e.code()), {{"error", e.what()}});
    } catch (const std::exception& e) {
      dash_json(res, 500, {{"error", e.what()}});
    }
  }
  template <typename Fn>
  void read(httplib::Response& res, Fn&& fn) {
    answer(res, [&] {
      std::lock_guard<std::mutex> lock(reg_mu);
      return fn(f.registry());
    });
  }
  // An action on its own registry connection; its body is a JSON object (or empty).
  template <typename Fn>
  void act(const httplib::Request& req, httplib::Response& res, Fn&& fn) {
    answer(res, [&] {
      json::Json body = json::Json::object();
      if (!req.body.empty()) {
        body = json::Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (!body.is_object()) throw Error("request body", "not a JSON object", kExitUsage);
      }
      Factory own(f.home().root.string());
      own.set_trust_repo_config(f.trust_repo_config());
      return fn(own.deps(), req.matches[1].str(), body);
    });
  }

  // Ends the event streams (their threads must end before the server's pool joins them), then
  // the server.
  void halt() {
    {
      std::lock_guard<std::mutex> lock(ev_mu);
      stopping = true;
      ev_cv.notify_all();
    }
    svr.stop();
  }
  void routes();
  void events(httplib::Response& res);
  void watch();
};

void DashboardServer::Impl::routes() {
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    int refuse = dashboard_guard(req.method, req.path, req.get_header_value("Host"),
                                 req.get_header_value("X-Orch-Token"), req.get_param_value("token"),
                                 token, port, read_only);
    if (refuse == 0) return httplib::Server::HandlerResponse::Unhandled;
    dash_refuse(res, refuse);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_default_headers({{"Cache-Control", "no-store"},
                           {"X-Content-Type-Options", "nosniff"},
                           {"X-Frame-Options", "DENY"},
                           {"Referrer-Policy", "no-referrer"}});
  svr.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", dashboard_csp());
    res.set_content(dashboard_html(token), "text/html; charset=utf-8");
  });
  svr.Get("/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(dashboard_js(), "text/javascript; charset=utf-8");
  });
  svr.Get("/app.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(dashboard_css(), "text/css; charset=utf-8");
  });
  svr.Get("/api/info", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return json::Json{{"read_only", read_only}, {"version", ORCH_VERSION}}; });
  });
  svr.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) { events(res); });
  svr.Get("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
    bool all = req.get_param_value("all") == "1";
    read(res, [&](registry::Registry& reg) {
      int64_t limit = req.has_param("limit") ? dash_param(req, "limit") : kDashboardPage;
      if (limit < 0) limit = 0;  // refused by api_sessions
      SessionsPage page =
          api_sessions(reg, all, static_cast<size_t>(limit), req.get_param_value("after"));
      // The next page as RFC 8288 (GitHub's API does the same); ids are [0-9a-z-].
      if (!page.next.empty()) {
        res.set_header("Link", "</api/sessions?" + std::string(all ? "all=1&" : "") +
                                   "limit=" + std::to_string(limit) + "&after=" + page.next +
                                   ">; rel=\"next\"");
      }
      return std::move(page.sessions);
    });
  });
  svr.Get("/api/sessions/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
    read(res, [&](registry::Registry& reg) { return api_session(reg, f.home(), req.matches[1]); });
  });
  svr.Get("/api/sessions/([^/]+)/log", [this](const httplib::Request& req, httplib::Response& res) {
    read(res, [&](registry::Registry& reg) {
      return api_log(reg, req.matches[1], dash_param(req, "after_state"),
                     dash_param(req, "after_event"));
    });
  });
  svr.Get("/api/sessions/([^/]+)/diff",
          [this](const httplib::Request& req, httplib::Response& res) {
            read(res, [&](registry::Registry& reg) { return api_diff(reg, req.matches[1]); });
          });
  svr.Get("/api/convoys", [this](const httplib::Request&, httplib::Response& res) {
    read(res, [&](registry::Registry& reg) { return api_convoys(reg); });
  });
  svr.Get("/api/convoys/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
    read(res, [&](registry::Registry& reg) { return api_convoy(reg, req.matches[1]); });
  });
  svr.Get("/api/convoys/([^/]+)/conflicts",
          [this](const httplib::Request& req, httplib::Response& res) {
            read(res, [&](registry::Registry& reg) { return api_conflicts(reg, req.matches[1]); });
          });
  svr.Post(
      "/api/sessions/([^/]+)/stop",
      [this](const httplib::Request& req, httplib::Response& res) { act(req, res, api_stop); });
  svr.Post(
      "/api/sessions/([^/]+)/nudge",
      [this](const httplib::Request& req, httplib::Response& res) { act(req, res, api_nudge); });
  svr.Post(
      "/api/sessions/([^/]+)/handoff",
      [this](const httplib::Request& req, httplib::Response& res) { act(req, res, api_handoff); });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) dash_refuse(res, res.status);
  });
}

// /api/events: "event: change" at once and after each registry change, a comment otherwise.
void DashboardServer::Impl::events(httplib::Response& res) {
  auto seen = std::make_shared<int64_t>(0);
  res.set_chunked_content_provider(
      "text/event-stream", [this, seen](size_t, httplib::DataSink& sink) {
        std::unique_lock<std::mutex> lock(ev_mu);
        ev_cv.wait_for(lock, std::chrono::seconds(kDashKeepAliveS),
                       [&] { return stopping || version != *seen; });
        if (stopping) return false;
        std::string msg = ": keep-alive\n\n";
        if (version != *seen) {
          *seen = version;
          msg = "event: change\ndata: " + std::to_string(version) + "\n\n";
        }
        lock.unlock();
        return sink.write(msg.data(), msg.size());
      });
}

// Until stopped: reads the registry's data_version and wakes the event streams when it changed;
// marks lost sessions now and then (as `orch top`); stops the server on a signal.
void DashboardServer::Impl::watch() {
  int64_t seen = -1;
  int ticks = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(ev_mu);
      if (stopping) return;
    }
    if (g_dash_signal) {
      halt();
      return;
    }
    // After the answer went out (a tick later), its freed pages go back to the kernel.
    if (trim.exchange(false)) malloc_trim(0);
    try {
      std::lock_guard<std::mutex> lock(reg_mu);
      if (ticks++ % (kDashSlotsMs / kDashWatchMs) == 0) {
        fill_slots(f.deps(), "pool:cli", /*wait_for_lock=*/false);
      }
      int64_t v = f.registry().data_version();
      if (v != seen) {
        seen = v;
        std::lock_guard<std::mutex> ev(ev_mu);
        ++version;
        ev_cv.notify_all();
      }
    } catch (const std::exception&) {
      // A busy registry: the next tick reads again.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kDashWatchMs));
  }
}

DashboardServer::DashboardServer(Factory& f, std::string token, bool read_only)
    : impl_(std::make_unique<Impl>(f, std::move(token), read_only)) {
  mallopt(M_ARENA_MAX, kDashArenas);  // before the pool's threads exist (listen starts them)
  impl_->svr.new_task_queue = [] { return new httplib::ThreadPool(kDashThreads); };
  impl_->svr.set_payload_max_length(kDashMaxBody);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second dashboard
  // (another token) could bind the same port and take half of the connections.
  impl_->svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  impl_->routes();
}

DashboardServer::~DashboardServer() = default;

int DashboardServer::bind(int port) {
  bool ok = port == 0 ? (port = impl_->svr.bind_to_any_port("127.0.0.1")) > 0
                      : impl_->svr.bind_to_port("127.0.0.1", port);
  if (!ok) {
    throw Error("dashboard",
                "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  }
  impl_->port = port;
  return port;
}

void DashboardServer::run() {
  struct sigaction sa {};
  sa.sa_handler = dash_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  std::thread watcher([this] { impl_->watch(); });
  impl_->svr.listen_after_bind();
  stop();
  watcher.join();
}

void DashboardServer::stop() {
  impl_->halt();
}

}  // namespace orch::cmd
