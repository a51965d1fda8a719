#include "lib/config/hooks.h"

#include <algorithm>
#include <cctype>

namespace orch::config {
namespace {

std::string hooks_known_events() {
  std::string s;
  for (const std::string& e : kHookEvents) s += (s.empty() ? "" : ", ") + e;
  return s;
}

// http:// or https:// (any case) followed by a host, and no whitespace or control character.
bool hooks_valid_url(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return false;
  std::string scheme = url.substr(0, sep);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return false;
  if (sep + 3 >= url.size() || url[sep + 3] == '/') return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::vector<std::string> hooks_parse_on(const Value& on) {
  if (on.type() != Type::kArray)
    on.fail("expected an array of events, e.g. [\"failed\", \"done\"]");
  std::vector<std::string> out;
  for (const Value& item : on.as_array()) {
    const std::string& e = item.as_string();
    if (std::find(kHookEvents.begin(), kHookEvents.end(), e) == kHookEvents.end()) {
      item.fail("unknown event \"" + e + "\" (known: " + hooks_known_events() + ")");
    }
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  if (out.empty()) on.fail("expected at least one event");
  return out;
}

}  // namespace

bool hook_wants(const HookSpec& h, const std::string& event) {
  return std::find(h.on.begin(), h.on.end(), event) != h.on.end();
}

std::vector<HookSpec> parse_hooks(const Value& hooks) {
  std::vector<HookSpec> out;
  if (hooks.type() != Type::kArray) hooks.fail("expected an array of tables ([[hooks]])");
  for (const Value& t : hooks.as_array()) {
    if (t.type() != Type::kTable) {
      t.fail("expected a table ([[hooks]]), got " + std::string(describe(t.type())));
    }
    t.check_keys(kHookKeys);
    HookSpec h;
    const Value* on = t.find("on");
    if (!on) t.fail("missing \"on\" (the events, e.g. [\"failed\", \"done\"])");
    h.on = hooks_parse_on(*on);
    const Value* run = t.find("run");
    const Value* url = t.find("url");
    if (run && url) t.fail("set either \"run\" or \"url\", not both");
    if (!run && !url) t.fail("missing \"run\" (a command) or \"url\" (a webhook)");
    if (run) {
      h.run = run->as_string();
      if (h.run.find_first_not_of(" \t\r\n") == std::string::npos) {
        run->fail("expected a command, got an empty string");
      }
    } else {
      h.url = url->as_string();
      if (!hooks_valid_url(h.url)) url->fail("expected an http:// or https:// URL");
    }
    if (const Value* timeout = t.find("timeout")) h.timeout_ms = timeout->as_duration_ms();
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace orch::config
