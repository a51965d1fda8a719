// The fake model HTTP server: OpenAI-compatible and Anthropic endpoints on 127.0.0.1.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tests/fake_model/planner.h"
#include "tests/fake_model/request_log.h"
#include "tests/fake_model/script.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace orch::fake_model {

struct ServerOptions {
  Script script = default_script();
  std::filesystem::path log_path;  ///< empty: no request log
  std::string host = "127.0.0.1";
  int port = 0;         ///< 0: a random free port
  size_t threads = 64;  ///< concurrent connections served
};

class FakeModelServer {
 public:
  explicit FakeModelServer(ServerOptions options);
  ~FakeModelServer();
  FakeModelServer(const FakeModelServer&) = delete;
  FakeModelServer& operator=(const FakeModelServer&) = delete;

  /// Binds and listens; returns the port. Throws orch::Error if the port cannot be bound.
  int bind();
  /// Serves until stop() (binds first if needed). Returns false if serving failed.
  bool run();
  /// bind() + run() on a background thread; returns the port.
  int start();
  /// Stops serving; cuts short delays and stalls. Thread-safe, idempotent.
  void stop();
  int port() const { return port_; }

 private:
  void routes();
  void handle_model(Api api, const httplib::Request& req, httplib::Response& res);
  void log(const httplib::Request& req);
  /// Waits `ms` unless stopped first; returns false if stopped.
  bool sleep_ms(int64_t ms);

  ServerOptions options_;
  std::unique_ptr<httplib::Server> svr_;
  Planner planner_;
  RequestLog log_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<uint64_t> seq_{0};
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace orch::fake_model
