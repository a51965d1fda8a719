// request() and escape() against a real loopback HTTP server.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "lib/error.h"
#include "lib/http/http.h"
#include "tests/unit/http/test_server.h"

namespace orch::http {
namespace {

using test::HttpConn;
using test::HttpRequest;
using test::HttpServer;

/// Replies with status 200 (201 for POST, 204 for DELETE) and "<METHOD> <target> <body>".
void echo(const HttpRequest& req, HttpConn& conn) {
  int status = req.method == "POST" ? 201 : req.method == "DELETE" ? 204 : 200;
  conn.respond(status, status == 204 ? "" : req.method + " " + req.target + " " + req.body);
}

Request make(const std::string& method, const std::string& url, const std::string& body = "") {
  Request req;
  req.method = method;
  req.url = url;
  req.body = body;
  return req;
}

TEST(HttpRequest, GetRoundTrip) {
  HttpServer server(echo);
  Response res = request(make("GET", server.url("/session?directory=%2Ftmp")));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "GET /session?directory=%2Ftmp ");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].query, "directory=%2Ftmp");
  EXPECT_FALSE(seen[0].has("content-type"));
  EXPECT_FALSE(seen[0].has("authorization"));
}

TEST(HttpRequest, PostSendsJsonBody) {
  HttpServer server(echo);
  Response res = request(make("POST", server.url("/session"), R"({"title":"x"})"));
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, R"(POST /session {"title":"x"})");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_EQ(seen[0].header("Content-Length"), "13");
  EXPECT_EQ(seen[0].body, R"({"title":"x"})");
  EXPECT_FALSE(seen[0].has("expect"));
}

TEST(HttpRequest, PostWithEmptyBodySendsContentLengthZero) {
  HttpServer server(echo);
  Response res = request(make("POST", server.url("/session/abc/abort")));
  EXPECT_EQ(res.status, 201);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].header("Content-Length"), "0");
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_EQ(seen[0].body, "");
}

TEST(HttpRequest, PatchAndDeleteUseTheirMethods) {
  HttpServer server(echo);
  Response patched = request(make("PATCH", server.url("/session/abc"), R"({"title":"y"})"));
  EXPECT_EQ(patched.status, 200);
  EXPECT_EQ(patched.body, R"(PATCH /session/abc {"title":"y"})");
  Response deleted = request(make("DELETE", server.url("/session/abc")));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].header("Content-Type"), "application/json");
  EXPECT_EQ(seen[0].body, R"({"title":"y"})");
  EXPECT_EQ(seen[1].method, "DELETE");
  EXPECT_FALSE(seen[1].has("content-type"));
}

TEST(HttpRequest, SendsCustomHeadersAndKeepsAnExplicitContentType) {
  HttpServer server(echo);
  Request req = make("POST", server.url("/x"), "plain");
  req.headers["Content-Type"] = "text/plain";
  req.headers["X-Opencode-Directory"] = "/tmp/w";
  request(req);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header("content-type"), "text/plain");
  EXPECT_EQ(seen[0].header("x-opencode-directory"), "/tmp/w");
}

TEST(HttpRequest, HttpErrorStatusesAreReturnedNotThrown) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    conn.respond(404, R"({"error":"no such session"})");
  });
  Response res;
  ASSERT_NO_THROW(res = request(make("GET", server.url("/session/nope"))));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, R"({"error":"no such session"})");
}

/// Answers 200 only to Basic opencode:s3cret ("b3BlbmNvZGU6czNjcmV0" is its base64).
void require_auth(const HttpRequest& req, HttpConn& conn) {
  if (req.header("Authorization") == "Basic b3BlbmNvZGU6czNjcmV0") {
    conn.respond(200, "{}");
  } else {
    conn.respond(401, "unauthorized", "text/plain");
  }
}

TEST(HttpRequest, BasicAuthCorrectPassword) {
  HttpServer server(require_auth);
  Request req = make("GET", server.url("/config"));
  req.auth = {"opencode", "s3cret"};
  EXPECT_EQ(request(req).status, 200);
}

TEST(HttpRequest, BasicAuthWrongPasswordIs401) {
  HttpServer server(require_auth);
  Request req = make("GET", server.url("/config"));
  req.auth = {"opencode", "wrong"};
  EXPECT_EQ(request(req).status, 401);
  req.auth = {};
  EXPECT_EQ(request(req).status, 401);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].has("authorization"));
  EXPECT_FALSE(seen[1].has("authorization"));
}

TEST(HttpRequest, ConnectionRefusedThrowsWithoutSecrets) {
  int port = test::unused_port();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  Request req = make("POST",
                     "http://opencode:urlsecret@127.0.0.1:" + std::to_string(port) +
                         "/session?auth_token=tok-abc123&directory=%2Ftmp",
                     "{}");
  req.auth = {"opencode", "hunter2-password"};
  try {
    request(req);
    FAIL() << "expected orch::Error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("POST " + base + "/session: Couldn't connect to server", 0), 0u) << msg;
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("urlsecret"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("tok-abc123"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('?'), std::string::npos) << msg;
    EXPECT_EQ(e.code(), kExitError);
  }
}

TEST(HttpRequest, TimesOut) {
  HttpServer server([](const HttpRequest&, HttpConn& conn) {
    if (conn.idle(5000)) conn.respond(200, "too late");
  });
  Request req = make("GET", server.url("/slow"));
  req.timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  try {
    request(req);
    FAIL() << "expected a timeout";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("GET " + server.url("/slow") + ": Timeout was reached"),
              std::string::npos)
        << e.what();
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST(HttpRequest, ConcurrentRequestsFromManyThreads) {
  HttpServer server(echo);
  constexpr int kThreads = 6, kEach = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string body = std::to_string(t) + "-" + std::to_string(i);
        Response res = request(make("PATCH", server.url("/n"), body));
        if (res.status == 200 && res.body == "PATCH /n " + body) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
}

TEST(HttpEscape, EncodesReservedAndNonAscii) {
  EXPECT_EQ(escape("a b"), "a%20b");
  EXPECT_EQ(escape("/tmp/my dir"), "%2Ftmp%2Fmy%20dir");
  EXPECT_EQ(escape("é"), "%C3%A9");
  EXPECT_EQ(escape("日本"), "%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(escape("a&b=c?d#e+f%"), "a%26b%3Dc%3Fd%23e%2Bf%25");
  EXPECT_EQ(escape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(escape(""), "");
  EXPECT_EQ(escape(std::string("a\0b", 3)), "a%00b");
}

}  // namespace
}  // namespace orch::http
