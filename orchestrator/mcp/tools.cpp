#include "orchestrator/mcp/tools.h"

#include <filesystem>

#include "lib/error.h"
#include "orchestrator/session/options.h"

namespace orch::mcp {
namespace fs = std::filesystem;
namespace {

json::Json tools_schema(json::Json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

json::Json tools_string(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}

json::Json tools_definitions() {
  json::Json strings = {{"type", "array"}, {"items", {{"type", "string"}}}};
  json::Json units = strings;
  units["description"] = "the units to wait for (names of this repository's units)";
  units["minItems"] = 1;
  json::Json checks = strings;
  checks["description"] =
      "names of the repository's configured [[checks]] that decide the child's `done` (default: "
      "all of them); an agent cannot give commands";
  json::Json timeout = {{"type", "integer"},
                        {"minimum", 1},
                        {"maximum", kMaxWaitSeconds},
                        {"description", "give up after this many seconds (default 600)"}};
  return json::Json::array(
      {{{"name", "send_mail"},
        {"description",
         "Send a message to another work unit: its live session gets it as a new message now, "
         "else its next session gets it with its prompt."},
        {"inputSchema", tools_schema({{"to", tools_string("the recipient unit's name")},
                                      {"text", tools_string("the message (at most 64 KiB)")}},
                                     {"to", "text"})}},
       {{"name", "read_mail"},
        {"description", "The mail sent to this unit, delivered or not, oldest first."},
        {"inputSchema", tools_schema(json::Json::object(), {})}},
       {{"name", "sling"},
        {"description",
         "Start a child work unit on this repository, its branch from this session's current "
         "HEAD (commit first what the child needs), in its own worktree and agent session. "
         "Returns at once; use wait to get its result."},
        {"inputSchema",
         tools_schema({{"unit", tools_string("the child unit's id (its branch is orch/<unit>)")},
                       {"prompt", tools_string("the child's work")},
                       {"agent", tools_string("agent preset (default: this session's)")},
                       {"checks", checks}},
                      {"unit", "prompt"})}},
       {{"name", "wait"},
        {"description",
         "Block until the named units' sessions ended; returns each one's state, summary, "
         "error, branch, commit and diffstat."},
        {"inputSchema", tools_schema({{"units", units}, {"timeout_s", timeout}}, {"units"})}},
       {{"name", "status"},
        {"description",
         "Set this session's one-line status, shown by `orch agents` (empty text clears it)."},
        {"inputSchema",
         tools_schema({{"text", tools_string("at most 200 bytes, one line")}}, {"text"})}},
       {{"name", "handoff"},
        {"description",
         "Ask orch to hand this unit to another agent when this turn ends: a new session in "
         "the same worktree and branch gets the work, what was done and the note."},
        {"inputSchema",
         tools_schema({{"to_agent", tools_string("agent preset of the next session")},
                       {"note", tools_string("what the next agent should know")}},
                      {"to_agent", "note"})}}});
}

const char* kind_of(const json::Element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "a number";
  }
}

bool path_within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

}  // namespace

std::string string_arg(const json::Element& args, const char* key) {
  auto f = json::at(args, key);
  if (f.error()) throw Error(key, "missing (expected a string)");
  if (!f.value_unsafe().is_string()) {
    throw Error(key, std::string("expected a string, got ") + kind_of(f.value_unsafe()));
  }
  return json::str(f);
}

std::string optional_string_arg(const json::Element& args, const char* key) {
  auto f = json::at(args, key);
  if (f.error() || f.value_unsafe().is_null()) return "";
  return string_arg(args, key);
}

std::vector<std::string> string_array_arg(const json::Element& args, const char* key) {
  std::vector<std::string> out;
  auto f = json::at(args, key);
  if (f.error() || f.value_unsafe().is_null()) return out;
  simdjson::dom::array items;
  if (f.value_unsafe().get_array().get(items)) {
    throw Error(key, std::string("expected an array of strings, got ") + kind_of(f.value_unsafe()));
  }
  for (json::Element item : items) {
    if (!item.is_string()) {
      throw Error(
          key, std::string("expected an array of strings, got an item that is ") + kind_of(item));
    }
    out.push_back(json::str(item));
  }
  return out;
}

int sling_depth(registry::Registry& reg, const registry::Session& s) {
  int depth = 0;
  registry::Session cur = s;
  for (int hops = 0; hops < 10000 && !cur.parent_session.empty(); ++hops) {
    auto parent = reg.get_session(cur.parent_session);
    if (!parent) break;
    if (parent->unit_id != cur.unit_id) ++depth;  // a tool sling; a retry or handoff stays
    cur = std::move(*parent);
  }
  return depth;
}

json::Json OrchTools::list() const {
  return tools_definitions();
}

bool OrchTools::has(const std::string& name) const {
  for (const json::Json& t : tools_definitions()) {
    if (t["name"] == name) return true;
  }
  return false;
}

registry::Session OrchTools::caller() {
  registry::Registry& reg = deps_.registry();
  const char* ctx = "this tool server";
  if (!binding_.session.empty()) {
    auto s = reg.get_session(binding_.session);
    if (!s) throw Error(ctx, "its session " + binding_.session + " is not in the registry");
    return *s;
  }
  if (!binding_.cwd.empty()) {
    std::error_code ec;
    fs::path cwd = fs::weakly_canonical(binding_.cwd, ec);
    registry::SessionFilter live;
    live.live_only = true;
    for (const registry::Session& s : reg.list_sessions(live)) {
      if (s.worktree.empty()) continue;
      fs::path wt = fs::weakly_canonical(s.worktree, ec);
      if (!ec && path_within(cwd, wt)) return s;
    }
  }
  if (!binding_.env_session.empty()) {
    if (auto s = reg.get_session(binding_.env_session)) return *s;
  }
  throw Error(ctx, "it serves no session of orch (it runs in " + binding_.cwd +
                       ", which is no live session's worktree, and has no --session)");
}

AgentConfig OrchTools::caller_config(const registry::Session& me) const {
  const std::string accepted = session_options_from_json(me.options).repo_config_sha256;
  return load_agent_config(deps_.home().root, me.repo,
                           RepoTrust{deps_.trust_repo_config(), accepted});
}

ToolResult OrchTools::call(const std::string& name, const json::Element& args,
                           const std::function<void(const std::string&)>& progress) {
  if (name == "send_mail") return send_mail(args);
  if (name == "read_mail") return read_mail(args);
  if (name == "sling") return sling(args);
  if (name == "wait") return wait(args, progress);
  if (name == "status") return status(args);
  if (name == "handoff") return handoff(args);
  throw Error("unknown tool '" + name + "'");
}

namespace {

// OrchTools over a registry connection of their own (tools_with_own_registry).
class OwnRegistryTools : public ToolBox {
 public:
  OwnRegistryTools(const Deps& base, Binding binding, const std::atomic<bool>* stop,
                   const std::atomic<bool>* stream_ended)
      : deps_(
            base.home(),
            [this]() -> registry::Registry& {
              if (!reg_) reg_ = registry::Registry::open(deps_.home().registry());
              return *reg_;
            },
            base.self_exe(), base.trust_repo_config()),
        tools_(deps_, std::move(binding), stop, stream_ended) {}
  json::Json list() const override { return tools_.list(); }
  bool has(const std::string& name) const override { return tools_.has(name); }
  ToolResult call(const std::string& name, const json::Element& args,
                  const std::function<void(const std::string&)>& progress) override {
    return tools_.call(name, args, progress);
  }
  bool runs_aside(const std::string& name) const override { return tools_.runs_aside(name); }

 private:
  std::unique_ptr<registry::Registry> reg_;
  Deps deps_;
  OrchTools tools_;
};

}  // namespace

std::unique_ptr<ToolBox> tools_with_own_registry(const Deps& deps, Binding binding,
                                                 const std::atomic<bool>* stop,
                                                 const std::atomic<bool>* stream_ended) {
  return std::make_unique<OwnRegistryTools>(deps, std::move(binding), stop, stream_ended);
}

std::string OrchTools::why_stop() const {
  if (stop_ && *stop_) return "this session's supervisor is ending";
  if (stream_ended_ && *stream_ended_) return "the client went away";
  return "";
}

}  // namespace orch::mcp
