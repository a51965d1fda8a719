#include "orchestrator/mcp/protocol.h"

#include <exception>

namespace orch::mcp {
namespace {

// JSON-RPC 2.0 error codes (docs/agents/mcp.md §1).
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

json::Json rpc_error(const json::Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json::Json rpc_result(const json::Json& id, json::Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::Json tool_result(const ToolResult& r) {
  return {{"content", json::Json::array({{{"type", "text"}, {"text", r.text}}})},
          {"isError", r.is_error}};
}

bool has(const json::Element& e, const char* key) {
  return !json::at(e, key).error();
}

// An id as JSON-RPC allows it here: a string or an integer (null is not allowed in MCP).
bool valid_id(const json::Element& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}

constexpr const char* kInstructions =
    "orch's tools: mail other work units (send_mail, read_mail), start child units on this "
    "repository and wait for them (sling, wait), report a one-line status (status), and hand this "
    "unit to another agent when this turn ends (handoff).";

}  // namespace

const std::vector<std::string> kProtocolVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};

std::string McpServer::too_long() {
  return json::dump(
      rpc_error(nullptr, kInvalidRequest,
                "message longer than " + std::to_string(kMaxLineBytes) + " bytes; skipped"));
}

bool McpServer::runs_aside(const std::string& line) const {
  json::Parser parser;
  try {
    json::Element doc = parser.parse(line);
    if (!doc.is_object() || !has(doc, "id") || json::str(json::at(doc, "method")) != "tools/call") {
      return false;
    }
    return tools_.runs_aside(json::str(json::at(json::at(doc, "params"), "name")));
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> McpServer::handle(const std::string& line, const NotifyFn& notify) {
  return handle(line, notify, tools_);
}

std::optional<std::string> McpServer::handle(const std::string& line, const NotifyFn& notify,
                                             ToolBox& tools) {
  json::Parser parser;
  json::Element doc;
  try {
    doc = parser.parse(line);
  } catch (const std::exception& e) {
    return json::dump(rpc_error(nullptr, kParseError, std::string("parse error: ") + e.what()));
  }
  if (!doc.is_object()) {
    const char* why = doc.is_array() ? "batches are not supported" : "expected a JSON-RPC object";
    return json::dump(rpc_error(nullptr, kInvalidRequest, why));
  }
  const bool has_id = has(doc, "id");
  json::Json id = nullptr;
  if (has_id) {
    json::Element id_elem = json::at(doc, "id").value_unsafe();
    if (!valid_id(id_elem)) {
      return json::dump(rpc_error(nullptr, kInvalidRequest, "id: expected a string or an integer"));
    }
    id = json::to_builder(id_elem);
  }
  if (!has(doc, "method")) {
    if (has_id && (has(doc, "result") || has(doc, "error"))) return std::nullopt;  // a response
    return json::dump(rpc_error(id, kInvalidRequest, "method: missing"));
  }
  json::Element method = json::at(doc, "method").value_unsafe();
  if (!method.is_string() || json::str(json::at(doc, "jsonrpc")) != "2.0") {
    return json::dump(rpc_error(id, kInvalidRequest,
                                "expected {\"jsonrpc\": \"2.0\", \"method\": <string>, ...}"));
  }
  const std::string name = json::str(method);
  json::Element params = doc;  // stands for "no params" while has_params is false
  const bool has_params = has(doc, "params");
  if (has_params) {
    params = json::at(doc, "params").value_unsafe();
    if (!params.is_object()) {
      return has_id ? std::optional(
                          json::dump(rpc_error(id, kInvalidParams, "params: expected an object")))
                    : std::nullopt;
    }
  }
  if (!has_id) {  // a notification: never answered
    if (name == "notifications/initialized") initialized_ = true;
    return std::nullopt;
  }
  try {
    return json::dump(dispatch(name, params, has_params, id, notify, tools));
  } catch (const std::exception& e) {
    return json::dump(rpc_error(id, kInternalError, e.what()));
  }
}

json::Json McpServer::dispatch(const std::string& method, const json::Element& params,
                               bool has_params, const json::Json& id, const NotifyFn& notify,
                               ToolBox& tools) {
  if (method == "initialize") {
    std::string asked = has_params ? json::str(json::at(params, "protocolVersion")) : "";
    std::string version = kProtocolVersions.front();
    for (const std::string& v : kProtocolVersions) {
      if (v == asked) version = v;
    }
    return rpc_result(id, {{"protocolVersion", version},
                           {"capabilities", {{"tools", {{"listChanged", false}}}}},
                           {"serverInfo", {{"name", "orch"}, {"version", version_}}},
                           {"instructions", kInstructions}});
  }
  if (method == "ping") return rpc_result(id, json::Json::object());
  if (method == "tools/list") return rpc_result(id, {{"tools", tools.list()}});
  if (method == "tools/call") {
    if (!has_params || !json::at(params, "name").is_string()) {
      return rpc_error(id, kInvalidParams, "params.name: expected the tool's name");
    }
    std::string tool = json::str(json::at(params, "name"));
    if (!tools.has(tool)) return rpc_error(id, kInvalidParams, "unknown tool '" + tool + "'");
    return rpc_result(id, call_tool(params, notify, tools));
  }
  return rpc_error(id, kMethodNotFound, "method '" + method + "' not found");
}

json::Json McpServer::call_tool(const json::Element& params, const NotifyFn& notify,
                                ToolBox& tools) {
  const std::string tool = json::str(json::at(params, "name"));
  json::Parser empty_parser;
  json::Element args;
  if (has(params, "arguments")) {
    args = json::at(params, "arguments").value_unsafe();
    if (!args.is_object()) {
      return tool_result({tool + ": arguments: expected an object", true});
    }
  } else {
    args = empty_parser.parse("{}");
  }
  json::Json token = nullptr;  // the client asked for progress (params._meta.progressToken)
  auto tok = json::at(json::at(params, "_meta"), "progressToken");
  if (!tok.error() && valid_id(tok.value_unsafe())) token = json::to_builder(tok);
  int64_t step = 0;
  auto progress = [&](const std::string& message) {
    if (token.is_null() || !notify) return;
    notify({{"jsonrpc", "2.0"},
            {"method", "notifications/progress"},
            {"params", {{"progressToken", token}, {"progress", ++step}, {"message", message}}}});
  };
  try {
    return tool_result(tools.call(tool, args, progress));
  } catch (const std::exception& e) {
    return tool_result({tool + ": " + e.what(), true});
  }
}

}  // namespace orch::mcp
