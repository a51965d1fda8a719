#include "orchestrator/mcp/stream.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>

#include "lib/json.h"

namespace orch::mcp {
namespace {

// The sending side of one stream, shared by the reading thread and the call threads: one line
// at a time; once `send` fails or throws, nothing more is sent.
class Sender {
 public:
  explicit Sender(const SendLineFn& send) : send_(send) {}
  void line(const std::string& l) {
    std::lock_guard lock(mu_);
    if (gone_) return;
    try {
      if (!send_(l)) gone_ = true;
    } catch (...) {
      gone_ = true;
      if (!error_) error_ = std::current_exception();
    }
  }
  bool gone() const { return gone_; }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const SendLineFn& send_;
  std::mutex mu_;
  std::atomic<bool> gone_{false};
  std::exception_ptr error_;
};

// The tool calls running on threads of their own; at most kMaxConcurrentCalls.
class CallThreads {
 public:
  ~CallThreads() { join_all(); }
  // Runs `fn` on a new thread once fewer than kMaxConcurrentCalls run; false (nothing started)
  // when no thread can be made.
  bool start(std::function<void()> fn) {
    std::unique_lock lock(mu_);
    ended_.wait(lock, [this] { return running_ < kMaxConcurrentCalls; });
    reap_locked();
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.push_back({std::thread(), done});  // before the thread: nothing throws after it
    try {
      threads_.back().thread = std::thread([this, done, fn = std::move(fn)] {
        try {
          fn();
        } catch (...) {  // McpServer::handle answers errors; only running out of memory is left
        }
        std::lock_guard l(mu_);
        *done = true;
        --running_;
        ended_.notify_all();
      });
    } catch (const std::system_error&) {
      threads_.pop_back();
      return false;
    }
    ++running_;
    return true;
  }
  void join_all() {
    for (Call& c : threads_) {
      if (c.thread.joinable()) c.thread.join();
    }
    threads_.clear();
  }

 private:
  struct Call {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  // Joins the threads whose calls ended (mu_ held).
  void reap_locked() {
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (!*it->done) {
        ++it;
        continue;
      }
      it->thread.join();  // it is past its last use of mu_'s state; join is immediate
      it = threads_.erase(it);
    }
  }

  std::mutex mu_;
  std::condition_variable ended_;
  std::size_t running_ = 0;
  std::list<Call> threads_;
};

}  // namespace

void serve_stream(int in_fd, McpServer& server, const SendLineFn& send,
                  const ToolBoxFactory& make_tools) {
  Sender out(send);
  auto notify = [&out](const json::Json& m) { out.line(json::dump(m)); };
  std::atomic<bool> ended{false};  // the client closed its end or cannot take answers
  {
    CallThreads calls;  // declared after `out` and `ended`: joined before they go
    auto answer = [&](const std::string& line) {
      if (make_tools && server.runs_aside(line)) {
        std::shared_ptr<ToolBox> tools;
        try {
          tools = make_tools(ended);
        } catch (const std::exception&) {
          tools = nullptr;  // answered on this thread with the server's own tools
        }
        if (tools && calls.start([&server, &out, &notify, tools, line] {
              if (auto a = server.handle(line, notify, *tools)) out.line(*a);
            })) {
          return;
        }
      }
      if (auto a = server.handle(line, notify)) out.line(*a);
    };
    std::string line;
    bool skipping = false;  // the rest of a line over kMaxLineBytes
    char chunk[1 << 16];
    while (!out.gone()) {
      ssize_t n = ::read(in_fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the client closed its end: the session is over
      for (ssize_t i = 0; i < n && !out.gone(); ++i) {
        char ch = chunk[i];
        if (ch != '\n') {
          if (skipping) continue;
          line.push_back(ch);
          if (line.size() > kMaxLineBytes) {
            line.clear();
            skipping = true;
            out.line(McpServer::too_long());
          }
          continue;
        }
        if (!skipping && !line.empty() && line != "\r") answer(line);
        line.clear();
        skipping = false;
      }
    }
    ended = true;  // calls still running (a wait) end at their next slice
    calls.join_all();
  }
  out.rethrow();
}

}  // namespace orch::mcp
