#include "tests/fake_model/server.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <httplib.h>
#pragma GCC diagnostic pop

#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <chrono>

#include "lib/clock.h"
#include "lib/error.h"
#include "tests/fake_model/render.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;

constexpr const char* kJson = "application/json";

json models_body() {
  // Readable both as an OpenAI and as an Anthropic model list.
  json model = {{"id", "fake-model"},
                {"object", "model"},
                {"type", "model"},
                {"created", 0},
                {"created_at", "2025-01-01T00:00:00Z"},
                {"owned_by", "orch"},
                {"display_name", "Fake model"}};
  return {{"object", "list"},
          {"data", json::array({model})},
          {"has_more", false},
          {"first_id", "fake-model"},
          {"last_id", "fake-model"}};
}

}  // namespace

FakeModelServer::FakeModelServer(ServerOptions options)
    : options_(std::move(options)),
      svr_(std::make_unique<httplib::Server>()),
      planner_(options_.script),
      log_(options_.log_path) {
  size_t threads = options_.threads;
  svr_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // One request per connection: no idle keep-alive connection delays shutdown, and clients never
  // reuse a connection the server is about to close.
  svr_->set_keep_alive_max_count(1);
  // httplib listens with a backlog of 5, too small for bursts of concurrent agents (connections
  // beyond it wait for a SYN retransmit, ~1 s). Remember the socket to raise it after binding.
  // SO_REUSEADDR but not httplib's default SO_REUSEPORT: a second server on a taken --port must
  // fail instead of silently sharing the port.
  svr_->set_socket_options([this](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = sock;
  });
  routes();
}

FakeModelServer::~FakeModelServer() {
  stop();
  if (thread_.joinable()) thread_.join();
}

int FakeModelServer::bind() {
  if (port_ > 0) return port_;
  int port = options_.port == 0
                 ? svr_->bind_to_any_port(options_.host)
                 : (svr_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port <= 0) {
    throw Error(options_.host + ":" + std::to_string(options_.port),
                "cannot listen (address in use or not local?)");
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);  // Linux: re-listen updates the backlog
  port_ = port;
  return port_;
}

bool FakeModelServer::run() {
  bind();
  running_ = true;
  bool ok = true;
  if (!stopping_) ok = svr_->listen_after_bind();
  running_ = false;
  return ok || stopping_;
}

int FakeModelServer::start() {
  int port = bind();
  thread_ = std::thread([this] { run(); });
  return port;
}

void FakeModelServer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // run() may be between its stopping_ check and the accept loop: wait until httplib runs.
  while (running_ && !svr_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  svr_->stop();
}

bool FakeModelServer::sleep_ms(int64_t ms) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

void FakeModelServer::log(const httplib::Request& req) {
  log_.write(now_ms(), req.method, req.path, req.body);
}

void FakeModelServer::routes() {
  svr_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_model(Api::kOpenAI, req, res);
  });
  svr_->Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
    handle_model(Api::kAnthropic, req, res);
  });
  svr_->Post("/v1/messages/count_tokens",
             [this](const httplib::Request& req, httplib::Response& res) {
               log(req);
               res.set_content(json{{"input_tokens", kInputTokens}}.dump(), kJson);
             });
  svr_->Get("/v1/models", [this](const httplib::Request& req, httplib::Response& res) {
    log(req);
    res.set_content(models_body().dump(), kJson);
  });
  auto unknown = [this](const httplib::Request& req, httplib::Response& res) {
    log(req);
    res.status = 404;
    json body = {{"type", "error"},
                 {"error",
                  {{"type", "not_found_error"},
                   {"message", "fake model: no route for " + req.method + " " + req.path}}}};
    res.set_content(body.dump(), kJson);
  };
  svr_->Get(".*", unknown);
  svr_->Post(".*", unknown);
  svr_->Put(".*", unknown);
  svr_->Patch(".*", unknown);
  svr_->Delete(".*", unknown);
  svr_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        res.status = 500;
        res.set_content(json{{"error", {{"message", "fake model: " + what}}}}.dump(), kJson);
      });
}

void FakeModelServer::handle_model(Api api, const httplib::Request& req, httplib::Response& res) {
  log(req);
  ModelRequest parsed;
  try {
    parsed = parse_request(api, req.body);
  } catch (const Error& e) {
    Reply bad;
    bad.kind = Reply::Kind::kError;
    bad.status = 400;
    bad.message = e.what();
    Rendered r =
        api == Api::kOpenAI ? render_openai(bad, parsed, 0) : render_anthropic(bad, parsed, 0);
    res.status = r.status;
    res.set_content(r.body, kJson);
    return;
  }
  Reply reply = planner_.plan(parsed);
  uint64_t seq = ++seq_;
  Rendered r = api == Api::kOpenAI ? render_openai(reply, parsed, seq)
                                   : render_anthropic(reply, parsed, seq);
  if (!sleep_ms(reply.timing.delay_ms)) {
    res.status = 503;
    res.set_content(json{{"error", {{"message", "fake model: shutting down"}}}}.dump(), kJson);
    return;
  }
  res.status = r.status;
  if (reply.kind == Reply::Kind::kError && reply.retry_after_ms >= 0) {
    res.set_header("retry-after-ms", std::to_string(reply.retry_after_ms));
  }
  if (reply.kind == Reply::Kind::kError) {
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  }
  const Timing t = reply.timing;
  if (!r.stream && t.drop_after_chunks < 0) {
    res.set_content(r.body, kJson);
    return;
  }
  if (!r.stream) {
    // A dropped non-streaming reply (Claude Code falls back to one after a broken stream):
    // announce the whole length, send half of the body, close the connection.
    auto body = std::make_shared<std::string>(std::move(r.body));
    res.set_content_provider(body->size(), kJson, [body](size_t, size_t, httplib::DataSink& sink) {
      sink.write(body->data(), body->size() / 2);
      return false;
    });
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  auto events = std::make_shared<std::vector<std::string>>(std::move(r.events));
  res.set_chunked_content_provider(
      "text/event-stream", [this, events, t](size_t, httplib::DataSink& sink) {
        for (size_t i = 0; i < events->size(); ++i) {
          int sent = static_cast<int>(i);
          if (sent == t.drop_after_chunks) return false;  // close mid-stream: no final chunk
          if (sent == t.stall_after_chunks && !sleep_ms(t.stall_ms)) return false;
          if (i > 0 && t.chunk_delay_ms > 0 && !sleep_ms(t.chunk_delay_ms)) return false;
          const std::string& ev = (*events)[i];
          if (!sink.write(ev.data(), ev.size())) return false;
        }
        sink.done();
        return true;
      });
}

}  // namespace orch::fake_model
