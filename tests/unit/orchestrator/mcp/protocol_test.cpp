// orch mcp's protocol handler (orchestrator/mcp/protocol.h): JSON-RPC 2.0 as MCP uses it, with
// hostile input: malformed JSON, wrong types, deep nesting, bytes that are not UTF-8, huge lines.
#include "orchestrator/mcp/protocol.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace orch::mcp {
namespace {

// A tool box with one tool, `echo {text}`, and one that throws.
class ProtoTools : public ToolBox {
 public:
  json::Json list() const override {
    return json::Json::array({{{"name", "echo"}, {"inputSchema", {{"type", "object"}}}}});
  }
  bool has(const std::string& name) const override { return name == "echo" || name == "boom"; }
  ToolResult call(const std::string& name, const json::Element& args,
                  const std::function<void(const std::string&)>& progress) override {
    if (name == "boom") throw std::runtime_error("kaboom");
    progress("half way");
    return {json::str(json::at(args, "text")), false};
  }
};

struct ProtoFixture : ::testing::Test {
  ProtoTools tools;
  McpServer server{tools, "9.9.9"};
  std::vector<json::Json> notes;
  json::Json ask(const std::string& line) {
    auto out = server.handle(line, [this](const json::Json& m) { notes.push_back(m); });
    if (!out) return nullptr;
    return json::Json::parse(*out);
  }
};

TEST_F(ProtoFixture, InitializeEchoesAKnownVersionElseTheNewest) {
  json::Json r = ask(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "orch");
  EXPECT_EQ(r["result"]["serverInfo"]["version"], "9.9.9");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
  r = ask(
      R"({"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  EXPECT_EQ(r["id"], "a");
  EXPECT_EQ(r["result"]["protocolVersion"], kProtocolVersions.front());
}

TEST_F(ProtoFixture, NotificationsAndResponsesGetNoAnswer) {
  EXPECT_TRUE(ask(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").is_null());
  EXPECT_TRUE(ask(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{}})").is_null());
  EXPECT_TRUE(ask(R"({"jsonrpc":"2.0","id":5,"result":{}})").is_null());
}

TEST_F(ProtoFixture, ListAndCallWithProgress) {
  json::Json r = ask(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  EXPECT_EQ(r["result"]["tools"][0]["name"], "echo");
  r = ask(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":"p1"}}})");
  EXPECT_EQ(r["result"]["isError"], false);
  EXPECT_EQ(r["result"]["content"][0]["type"], "text");
  EXPECT_EQ(r["result"]["content"][0]["text"], "hi");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]["method"], "notifications/progress");
  EXPECT_EQ(notes[0]["params"]["progressToken"], "p1");
  EXPECT_EQ(notes[0]["params"]["progress"], 1);
  // Without a progress token, no notification.
  ask(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{}}})");
  EXPECT_EQ(notes.size(), 1u);
  EXPECT_EQ(ask(R"({"jsonrpc":"2.0","id":9,"method":"ping"})")["result"], json::Json::object());
}

TEST_F(ProtoFixture, ATrowingToolIsAToolErrorNotACrash) {
  json::Json r = ask(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"boom"}})");
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_EQ(r["result"]["content"][0]["text"], "boom: kaboom");
  r = ask(
      R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":[1]}})");
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_EQ(r["result"]["content"][0]["text"], "echo: arguments: expected an object");
}

TEST_F(ProtoFixture, ProtocolErrorsHaveTheirCodes) {
  auto code = [this](const std::string& line) { return ask(line)["error"]["code"]; };
  EXPECT_EQ(code("{not json"), -32700);
  EXPECT_EQ(code(""), -32700);
  EXPECT_EQ(code("\"just a string\""), -32600);
  EXPECT_EQ(code(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":7})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1})"), -32600);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"nope"})"), -32601);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]})"), -32602);
  EXPECT_EQ(code(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}})"), -32602);
  json::Json r = ask(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm"}})");
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_EQ(r["error"]["message"], "unknown tool 'rm'");
  EXPECT_EQ(r["id"], 1);
}

TEST_F(ProtoFixture, HostileBytesAreRefusedCleanly) {
  // Bytes that are not UTF-8, a NUL, deep nesting, a huge number: parse errors, never a crash.
  EXPECT_EQ(ask("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}")["error"]["code"], -32700);
  EXPECT_EQ(ask(std::string("{\"a\":\0}", 7))["error"]["code"], -32700);
  std::string deep(200000, '[');
  EXPECT_EQ(ask(deep)["error"]["code"], -32700);
  std::string deep_args =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":)" +
      std::string(100000, '[') + std::string(100000, ']') + "}}}";
  EXPECT_EQ(ask(deep_args)["error"]["code"], -32700);
  json::Json r = ask(R"({"jsonrpc":"2.0","id":1e999,"method":"ping"})");
  EXPECT_EQ(r["error"]["code"].get<int>() < 0, true);
  // A huge argument passes through to the tool whole (its own limit decides).
  std::string big(10 << 20, 'x');
  r = ask(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":")" +
      big + "\"}}}");
  EXPECT_EQ(r["result"]["content"][0]["text"].get<std::string>().size(), big.size());
  EXPECT_NE(McpServer::too_long().find("-32600"), std::string::npos);
}

}  // namespace
}  // namespace orch::mcp
