// The fake model server over real HTTP: errors, failure injection, side routes, the log.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "lib/clock.h"
#include "lib/error.h"
#include "tests/support/tmp.h"

#include "tests/unit/fake_model/helpers.h"

namespace orch::fake_model {
namespace {

using nlohmann::json;
using test::anthropic_body;
using test::openai_body;
using test::parse_sse;
using test::RunningServer;

TEST(FakeModelServer, ErrorWithTimesFailsThenRecovers) {
  RunningServer srv(test::kServerScript);
  auto first = srv.post("/v1/messages", anthropic_body("retry", true, {"Write"}));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 500);
  json err = json::parse(first->body);
  EXPECT_EQ(err["type"], "error");
  EXPECT_EQ(err["error"]["type"], "api_error");
  EXPECT_EQ(err["error"]["message"], "fake upstream failure");
  auto second = srv.post("/v1/messages", anthropic_body("retry", false, {"Write"}));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(json::parse(second->body)["content"][0]["text"], "after retry");

  auto overloaded = srv.post("/v1/messages", anthropic_body("overload", true, {"Write"}));
  ASSERT_TRUE(overloaded);
  EXPECT_EQ(overloaded->status, 529);
  EXPECT_EQ(json::parse(overloaded->body)["error"]["type"], "overloaded_error");
  auto oai = srv.post("/v1/chat/completions", openai_body("overload", true, {"write"}));
  ASSERT_TRUE(oai);
  EXPECT_EQ(oai->status, 529);
  EXPECT_EQ(json::parse(oai->body)["error"],
            (json{{"message", "too busy"}, {"type", "server_error"}, {"code", 529}}));
}

TEST(FakeModelServer, RateLimitIs429WithRateLimitErrorAndOptionalRetryAfter) {
  RunningServer srv(R"({"scenarios": [
    {"match": "throttled", "turns": [{"error": 429, "message": "slow down"}]},
    {"match": "retry-later", "turns": [
      {"error": 429, "message": "slow down", "retry_after_ms": 1500, "times": 1},
      {"text": "after the wait"}]}]})");
  // A streaming request gets a plain JSON error, not an event stream, and no retry header
  // unless the script asks for one.
  auto plain = srv.post("/v1/messages", anthropic_body("throttled", true, {"Write"}));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 429);
  EXPECT_EQ(plain->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(plain->body),
            (json{{"type", "error"},
                  {"error", {{"type", "rate_limit_error"}, {"message", "slow down"}}}}));
  EXPECT_FALSE(plain->has_header("retry-after-ms"));
  EXPECT_FALSE(plain->has_header("retry-after"));

  auto timed = srv.post("/v1/messages", anthropic_body("retry-later", true, {"Write"}));
  ASSERT_TRUE(timed);
  EXPECT_EQ(timed->status, 429);
  EXPECT_EQ(json::parse(timed->body)["error"]["type"], "rate_limit_error");
  EXPECT_EQ(timed->get_header_value("retry-after-ms"), "1500");
  EXPECT_FALSE(timed->has_header("retry-after"));  // only the millisecond header
  auto next = srv.post("/v1/messages", anthropic_body("retry-later", false, {"Write"}));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);  // "times": 1 spent
  EXPECT_EQ(json::parse(next->body)["content"][0]["text"], "after the wait");

  auto oai = srv.post("/v1/chat/completions", openai_body("throttled", true, {"write"}));
  ASSERT_TRUE(oai);
  EXPECT_EQ(oai->status, 429);
  EXPECT_EQ(json::parse(oai->body)["error"],
            (json{{"message", "slow down"}, {"type", "rate_limit_error"}, {"code", 429}}));
}

TEST(FakeModelServer, ErrorTurnSendsItsHeadersAsGivenForItsTimes) {
  RunningServer srv(R"({"scenarios": [
    {"match": "limited", "turns": [
      {"error": 429, "message": "limit", "times": 2,
       "headers": {"retry-after": "7", "anthropic-ratelimit-requests-reset": "not a time"}},
      {"text": "past the limit"}]}]})");
  for (int i = 0; i < 2; ++i) {
    auto res = srv.post("/v1/chat/completions", openai_body("limited", true, {"write"}));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 429);
    EXPECT_EQ(res->get_header_value("retry-after"), "7");
    EXPECT_EQ(res->get_header_value("anthropic-ratelimit-requests-reset"), "not a time");
  }
  auto next = srv.post("/v1/messages", anthropic_body("limited", false, {"Write"}));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_FALSE(next->has_header("retry-after"));
  EXPECT_THROW(parse_script(R"({"default": [{"error": 429, "headers": {"retry-after": 7}}]})"),
               orch::Error);
  EXPECT_THROW(parse_script(R"({"default": [{"error": 429, "headers": ["retry-after"]}]})"),
               orch::Error);
}

TEST(FakeModelServer, RequestsWithoutToolsGetTheTitleReply) {
  RunningServer srv(test::kServerScript);
  auto res = srv.post("/v1/chat/completions", openai_body("retry", false, {}));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["choices"][0]["message"]["content"], "Fake title");
  auto side = srv.post("/v1/messages", anthropic_body("retry", false, {}));
  ASSERT_TRUE(side);
  EXPECT_EQ(json::parse(side->body)["content"][0]["text"], "Fake title");
  // The error budget of "retry" was not spent by those two requests.
  auto real = srv.post("/v1/messages", anthropic_body("retry", false, {"Write"}));
  ASSERT_TRUE(real);
  EXPECT_EQ(real->status, 500);
}

TEST(FakeModelServer, DropAfterChunksClosesMidStream) {
  RunningServer srv(test::kServerScript);
  httplib::Client cli = srv.client();
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = openai_body("drop", true, {"write"}).dump();
  req.set_header("Content-Type", "application/json");
  std::string received;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    received.append(data, len);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  EXPECT_FALSE(cli.send(req, res, error));  // the chunked body never terminates properly
  EXPECT_NE(error, httplib::Error::Success);
  auto events = parse_sse(received);
  ASSERT_EQ(events.size(), 2u);  // the role chunk and the first word, then nothing
  EXPECT_EQ(json::parse(events[1].data)["choices"][0]["delta"]["content"], "one ");
  EXPECT_EQ(received.find("[DONE]"), std::string::npos);
}

TEST(FakeModelServer, DropAlsoBreaksNonStreamingReplies) {
  RunningServer srv(test::kServerScript);
  auto res = srv.post("/v1/messages", anthropic_body("drop", false, {"Write"}));
  EXPECT_FALSE(res);  // half of the announced body, then the connection closes
  auto fine = srv.post("/v1/messages", anthropic_body("hello", false, {"Write"}));
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
}

TEST(FakeModelServer, DelayAndChunkDelay) {
  RunningServer srv(test::kServerScript);
  int64_t start = steady_ms();
  auto res = srv.post("/v1/messages", anthropic_body("slow", true, {"Write"}));
  ASSERT_TRUE(res);
  // 300 ms before the headers, then 50 ms between each of the 8 events.
  EXPECT_GE(steady_ms() - start, 300 + 7 * 50);
  EXPECT_EQ(parse_sse(res->body).back().event, "message_stop");
}

TEST(FakeModelServer, StopInterruptsAStall) {
  RunningServer srv(test::kServerScript);
  std::mutex mu;
  std::string received;
  std::thread reader([&] {
    httplib::Client cli = srv.client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/messages";
    req.body = anthropic_body("stall", true, {"Write"}).dump();
    req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
      std::lock_guard lock(mu);
      received.append(data, len);
      return true;
    };
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    cli.send(req, res, error);
  });
  auto first_event_arrived = [&] {
    std::lock_guard lock(mu);
    return received.find("\n\n") != std::string::npos;
  };
  for (int64_t until = steady_ms() + 10000; !first_event_arrived() && steady_ms() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // now inside the stall
  int64_t start = steady_ms();
  srv.server().stop();
  reader.join();
  EXPECT_LT(steady_ms() - start, 5000);  // not the scripted 600 s
  auto events = parse_sse(received);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message_start");
}

TEST(FakeModelServer, ModelsCountTokensAndUnknownRoutes) {
  RunningServer srv(test::kServerScript);
  auto models = srv.client().Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "fake-model");
  auto count = srv.post("/v1/messages/count_tokens", anthropic_body("x", false, {}));
  ASSERT_TRUE(count);
  EXPECT_EQ(json::parse(count->body)["input_tokens"], 100);
  auto unknown = srv.post("/v2/nothing", json::object());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto bad = srv.client().Post("/v1/messages", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["type"], "invalid_request_error");
}

TEST(FakeModelServer, RequestLogHasOneJsonLinePerRequest) {
  orch::test::TempDir tmp;
  auto log = tmp / "requests.jsonl";
  {
    RunningServer srv(test::kServerScript, log.string());
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&srv, i] {
        srv.post("/v1/chat/completions", openai_body("req " + std::to_string(i), true, {"write"}));
      });
    }
    for (auto& t : threads) t.join();
    srv.client().Get("/v1/models");
  }
  std::ifstream in(log);
  std::string line;
  int posts = 0, gets = 0;
  std::set<std::string> users;
  while (std::getline(in, line)) {
    json entry = json::parse(line);  // every line is one complete JSON document
    EXPECT_TRUE(entry["at"].is_number_integer());
    if (entry["method"] == "POST") {
      ++posts;
      EXPECT_EQ(entry["path"], "/v1/chat/completions");
      EXPECT_EQ(entry["body"]["model"], "fake-model");
      users.insert(entry["body"]["messages"][1]["content"].get<std::string>());
    } else {
      ++gets;
      EXPECT_EQ(entry["path"], "/v1/models");
      EXPECT_TRUE(entry["body"].is_null());
    }
  }
  EXPECT_EQ(posts, 8);
  EXPECT_EQ(gets, 1);
  EXPECT_EQ(users.size(), 8u);
}

}  // namespace
}  // namespace orch::fake_model
