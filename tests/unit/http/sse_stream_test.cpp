// SseStream against a real loopback server: events, clean end, stop latency, errors.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "lib/clock.h"
#include "lib/http/http.h"
#include "tests/unit/http/test_server.h"

namespace orch::http {
namespace {

using namespace std::chrono_literals;
using test::HttpConn;
using test::HttpRequest;
using test::HttpServer;

/// Collects a stream's callbacks; every wait is bounded.
struct Sink {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> events;
  std::vector<std::string> ends;
  std::thread::id callback_thread;

  SseStream::OnData on_data() {
    return [this](const std::string& data) {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(data);
      callback_thread = std::this_thread::get_id();
      cv.notify_all();
    };
  }
  SseStream::OnEnd on_end() {
    return [this](const std::string& error) {
      std::lock_guard<std::mutex> lock(mutex);
      ends.push_back(error);
      cv.notify_all();
    };
  }
  /// Waits up to `timeout` for `pred` (called under the lock).
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, pred);
  }
  bool wait_events(size_t n) {
    return wait([&] { return events.size() >= n; });
  }
  bool wait_end() {
    return wait([&] { return !ends.empty(); });
  }
};

Request stream_request(const std::string& url) {
  Request req;
  req.url = url;
  return req;
}

TEST(SseStream, DeliversEventsInOrderThenEndsCleanly) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    conn.begin_chunked(200);
    conn.chunk(": connected\n\n");
    for (int i = 0; i < 4; ++i) {
      conn.idle(40);
      conn.chunk("data: {\"n\":" + std::to_string(i) + "}\n\n");
    }
    conn.chunk("event: two-lines\ndata: a\n");  // an event split across chunks
    conn.idle(30);
    conn.chunk("data: b\n\n");
    conn.end_chunked();
  });
  Sink sink;
  SseStream stream(stream_request(server.url("/event")), sink.on_data(), sink.on_end());
  ASSERT_TRUE(sink.wait_end());
  EXPECT_TRUE(stream.connected());
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_EQ(sink.events,
            (std::vector<std::string>{"{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "a\nb"}));
  EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));
  EXPECT_NE(sink.callback_thread, std::this_thread::get_id());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].header("Accept"), "text/event-stream");
}

/// A stream that sends one event and then stays open, idle, until the client goes away.
struct IdleServer {
  std::atomic<bool> peer_closed{false};
  HttpServer server{[this](const HttpRequest&, HttpConn& conn) {
    conn.begin_chunked(200);
    conn.chunk("data: hello\n\n");
    while (conn.idle(60000)) {
    }
    peer_closed.store(conn.peer_closed());
  }};
};

TEST(SseStream, StopIsPromptWhileTheStreamIsIdle) {
  IdleServer idle;
  long worst_us = 0;
  for (int round = 0; round < 3; ++round) {
    Sink sink;
    SseStream stream(stream_request(idle.server.url("/event")), sink.on_data(), sink.on_end());
    ASSERT_TRUE(sink.wait_events(1));
    EXPECT_TRUE(stream.connected());
    std::this_thread::sleep_for(400ms);  // let the reader settle into its idle wait
    auto start = std::chrono::steady_clock::now();
    stream.stop();
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    worst_us = std::max<long>(worst_us, took);
    EXPECT_LT(took, 300'000) << "stop() took " << took << " us";
    std::lock_guard<std::mutex> lock(sink.mutex);
    EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));  // on_end ran before stop() returned
    EXPECT_EQ(sink.events, (std::vector<std::string>{"hello"}));
  }
  std::printf("[ measure  ] worst stop() latency over 3 rounds: %ld us\n", worst_us);
  for (int i = 0; i < 200 && !idle.peer_closed.load(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(idle.peer_closed.load()) << "the server never saw the client disconnect";
}

TEST(SseStream, DestructorStopsAndEndsOnce) {
  IdleServer idle;
  Sink sink;
  auto start = std::chrono::steady_clock::now();
  {
    SseStream stream(stream_request(idle.server.url("/event")), sink.on_data(), sink.on_end());
    ASSERT_TRUE(sink.wait_events(1));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));
}

TEST(SseStream, StopFromInsideOnDataDoesNotDeadlock) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    conn.begin_chunked(200);
    conn.chunk("data: first\n\ndata: second\n\n");
    while (conn.idle(60000)) {
    }
  });
  Sink sink;
  std::atomic<SseStream*> self{nullptr};
  std::atomic<int> calls{0};
  SseStream stream(
      stream_request(server.url("/event")),
      [&](const std::string&) {
        ++calls;
        for (int i = 0; i < 500 && self.load() == nullptr; ++i) std::this_thread::sleep_for(10ms);
        self.load()->stop();  // must only request the stop: this is the reader thread
      },
      sink.on_end());
  self.store(&stream);
  ASSERT_TRUE(sink.wait_end());
  EXPECT_EQ(calls.load(), 1);  // nothing is delivered once a stop was asked
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));
}

TEST(SseStream, Http401EndsWithStatus) {
  HttpServer server([](const HttpRequest& req, HttpConn& conn) {
    if (req.header("Authorization") == "Basic b3BlbmNvZGU6czNjcmV0") {
      conn.begin_chunked(200);
      conn.chunk("data: ok\n\n");
      conn.end_chunked();
    } else {
      conn.respond(401, "data: not an event\n\n", "text/plain");
    }
  });
  {
    Sink sink;
    Request req = stream_request(server.url("/event"));
    req.auth = {"opencode", "wrong"};
    SseStream stream(req, sink.on_data(), sink.on_end());
    ASSERT_TRUE(sink.wait_end());
    EXPECT_FALSE(stream.connected());
    std::lock_guard<std::mutex> lock(sink.mutex);
    EXPECT_EQ(sink.ends, (std::vector<std::string>{"HTTP 401"}));
    EXPECT_TRUE(sink.events.empty());
  }
  {
    Sink sink;
    Request req = stream_request(server.url("/event"));
    req.auth = {"opencode", "s3cret"};
    SseStream stream(req, sink.on_data(), sink.on_end());
    ASSERT_TRUE(sink.wait_end());
    EXPECT_TRUE(stream.connected());
    std::lock_guard<std::mutex> lock(sink.mutex);
    EXPECT_EQ(sink.events, (std::vector<std::string>{"ok"}));
    EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));
  }
}

TEST(SseStream, ConnectionRefusedEndsWithErrorWithoutSecrets) {
  int port = test::unused_port();
  Sink sink;
  Request req =
      stream_request("http://127.0.0.1:" + std::to_string(port) + "/event?auth_token=tok-abc123");
  req.auth = {"opencode", "hunter2-password"};
  SseStream stream(req, sink.on_data(), sink.on_end());
  ASSERT_TRUE(sink.wait_end());
  EXPECT_FALSE(stream.connected());
  std::lock_guard<std::mutex> lock(sink.mutex);
  ASSERT_EQ(sink.ends.size(), 1u);
  const std::string& error = sink.ends[0];
  EXPECT_EQ(
      error.rfind(
          "GET http://127.0.0.1:" + std::to_string(port) + "/event: Couldn't connect to server", 0),
      0u)
      << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_EQ(error.find("tok-abc123"), std::string::npos) << error;
}

TEST(SseStream, AbruptCloseMidStreamIsAnError) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    conn.begin_chunked(200);
    conn.chunk("data: before\n\n");
    // returning closes the socket without the terminating chunk
  });
  Sink sink;
  SseStream stream(stream_request(server.url("/event")), sink.on_data(), sink.on_end());
  ASSERT_TRUE(sink.wait_end());
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"before"}));
  ASSERT_EQ(sink.ends.size(), 1u);
  EXPECT_FALSE(sink.ends[0].empty());
  EXPECT_EQ(sink.ends[0].rfind("GET " + server.url("/event") + ": ", 0), 0u) << sink.ends[0];
}

TEST(SseStream, LastActivityAdvancesWithHeartbeats) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    if (!conn.idle(300)) return;  // nothing at all for a while
    conn.begin_chunked(200);
    while (conn.idle(100)) {
      if (!conn.chunk(": heartbeat\n\n")) return;
    }
  });
  Sink sink;
  int64_t before = steady_ms();
  SseStream stream(stream_request(server.url("/event")), sink.on_data(), sink.on_end());
  EXPECT_EQ(stream.last_activity_ms(), 0);
  EXPECT_FALSE(stream.connected());
  int64_t first = 0;
  for (int i = 0; i < 500 && (first = stream.last_activity_ms()) == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GT(first, 0);
  EXPECT_GE(first, before + 250);  // not before the server's first bytes
  EXPECT_TRUE(stream.connected());
  int64_t later = first;
  for (int i = 0; i < 500 && (later = stream.last_activity_ms()) < first + 150; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(later, first + 150);  // heartbeats (comments) count as activity
  EXPECT_LE(later, steady_ms());
  stream.stop();
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_TRUE(sink.events.empty());
  EXPECT_EQ(sink.ends, (std::vector<std::string>{""}));
}

TEST(SseStream, ThrowingOnDataEndsTheStreamWithAnError) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    conn.begin_chunked(200);
    conn.chunk("data: boom\n\n");
    while (conn.idle(60000)) {
    }
  });
  Sink sink;
  SseStream stream(
      stream_request(server.url("/event")),
      [](const std::string&) { throw std::runtime_error("bad event"); }, sink.on_end());
  ASSERT_TRUE(sink.wait_end());
  std::lock_guard<std::mutex> lock(sink.mutex);
  EXPECT_EQ(sink.ends, (std::vector<std::string>{"SSE on_data: bad event"}));
}

}  // namespace
}  // namespace orch::http
