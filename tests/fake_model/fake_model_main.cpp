// orch-fake-model: a scriptable fake LLM provider (OpenAI-compatible and Anthropic Messages) that
// real coding agents can be pointed at. See tests/fake_model/README.md.
#include <signal.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "lib/error.h"
#include "tests/fake_model/server.h"

namespace {

namespace fs = std::filesystem;

/// Writes the port to `path` atomically (temporary file in the same folder, then rename).
void write_port_file(const fs::path& path, int port) {
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) throw orch::Error(tmp.string(), "cannot write the port file");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw orch::Error(path.string(), ec.message());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orch-fake-model: a scriptable fake model server (OpenAI-compatible and Anthropic)"};
  std::string script_path, log_path, port_file;
  int port = 0;
  size_t threads = orch::fake_model::ServerOptions().threads;
  app.add_option("--script", script_path, "JSON script (default: one text reply)");
  app.add_option("--port", port, "port on 127.0.0.1 (0 = random)")->check(CLI::Range(0, 65535));
  app.add_option("--log", log_path, "append one JSON line per request to this file");
  app.add_option("--port-file", port_file, "write the listening port to this file");
  app.add_option("--threads", threads,
                 "requests served at once; a held request (delay_ms) keeps its thread to the end")
      ->check(CLI::Range(1, 4096));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? orch::kExitOk : orch::kExitUsage;
  }

  // Signals are taken synchronously by one thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    orch::fake_model::ServerOptions options;
    if (!script_path.empty()) options.script = orch::fake_model::load_script(script_path);
    options.log_path = log_path;
    options.port = port;
    options.threads = threads;
    orch::fake_model::FakeModelServer server(std::move(options));
    int bound = server.bind();
    if (!port_file.empty()) write_port_file(port_file, bound);
    std::cout << "orch-fake-model listening on http://127.0.0.1:" << bound << std::endl;

    std::atomic<bool> done{false};
    std::thread waiter([&] {
      timespec step{0, 100'000'000};
      while (!done) {
        if (sigtimedwait(&signals, nullptr, &step) > 0) {
          server.stop();
          return;
        }
      }
    });
    bool ok = server.run();
    done = true;
    waiter.join();
    if (!ok) throw orch::Error("serving", "the server stopped unexpectedly");
    return 0;
  } catch (const orch::Error& e) {
    std::cerr << "orch-fake-model: error: " << e.what() << std::endl;
    return e.code();
  }
}
