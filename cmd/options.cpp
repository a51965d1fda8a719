#include "cmd/options.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "lib/clock.h"
#include "lib/error.h"

namespace orch::cmd {
namespace {

// Edit distance, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

// The candidate nearest to `word` (a prefix of it counts as 1), or "" when none is within 2 edits.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = 3;
  for (const std::string& c : candidates) {
    size_t d = c.rfind(word, 0) == 0 ? 1 : distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::vector<std::string> visible_commands(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_group().empty()) names.push_back(sub->get_name());  // hidden: no group
  }
  return names;
}

const CLI::App* find_command(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return sub;
  }
  return nullptr;
}

bool has_positionals(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional()) return true;
  }
  return false;
}

// The option `name` (e.g. "--all" or "-a") of `app` or of a command above it, or nullptr.
const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* o : app->get_options()) {
      if (o->check_name(name)) return o;
    }
  }
  return nullptr;
}

std::vector<std::string> long_options(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
  }
  return names;
}

[[noreturn]] void unknown_command(const std::string& path, const std::string& word,
                                  const CLI::App& app) {
  std::string best = nearest(word, visible_commands(app));
  std::string hint = best.empty() ? "run 'orch " + (path.empty() ? "" : path + " ") +
                                        "--help' for the list of commands"
                                  : "did you mean '" + best + "'?";
  throw Error((path.empty() ? "" : path + ": ") + "unknown command '" + word + "'", hint,
              kExitUsage);
}

[[noreturn]] void unknown_option(const std::string& path, const std::string& name,
                                 const CLI::App& app) {
  std::string best = nearest(name, long_options(app));
  std::string see = "(see 'orch " + (path.empty() ? "" : path + " ") + "--help')";
  std::string where = (path.empty() ? "" : path + ": ") + "unknown option '" + name + "'";
  if (best.empty()) throw Error(where + " " + see, kExitUsage);
  throw Error(where, "did you mean '" + best + "'? " + see, kExitUsage);
}

}  // namespace

CLI::Validator int_range(int64_t lo, int64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        int64_t v = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc() && ptr == end && v >= lo && v <= hi) return "";
        return "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
               ", got '" + text + "'";
      },
      "INT in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
}

CLI::Validator duration(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        try {
          if (parse_duration_ms(text) > 0 || allow_zero) return "";
        } catch (const Error& e) {
          return e.what();
        }
        return "expected a duration above 0 (e.g. 30s), got '" + text + "'";
      },
      "DURATION");
}

void add_check_options(CLI::App* sub, std::vector<std::string>& checks, int& fix_attempts) {
  sub->add_option("--check", checks,
                  "Run CMD (sh -c, in the worktree) after the agent's turn; the session is done "
                  "only when every check exits 0 (repeatable; replaces the config's [[checks]])")
      ->allow_extra_args(false)
      ->type_name("CMD");
  sub->add_option("--fix-attempts", fix_attempts,
                  "Times a failing check's output goes back to the agent to fix (default: "
                  "[defaults] fix_attempts, else 2)")
      ->check(int_range(0, kMaxFixAttempts));
}

void check_words(const CLI::App& root, int argc, char** argv) {
  const CLI::App* app = &root;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") return;  // the rest are positionals
    if (a.size() > 1 && a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) {
      bool is_long = a.rfind("--", 0) == 0;
      std::string name = is_long ? a.substr(0, a.find('=')) : a.substr(0, 2);
      const CLI::Option* o = find_option(app, name);
      if (o == nullptr) {
        if (is_long) unknown_option(path, name, *app);
        continue;  // a short option CLI11 does not know: its own message names it
      }
      bool inline_value = is_long ? a.find('=') != std::string::npos : a.size() > 2;
      // Skip the option's value (a flag has none, whatever its type size says).
      if (o->get_expected_min() > 0 && o->get_type_size_min() > 0 && !inline_value) ++i;
      continue;
    }
    if (const CLI::App* sub = find_command(*app, a)) {
      app = sub;
      path += (path.empty() ? "" : " ") + a;
      continue;
    }
    // A word where only a command can stand: the root, or a command group like `convoy`.
    if (!app->get_subcommands([](const CLI::App*) { return true; }).empty() &&
        !has_positionals(*app)) {
      unknown_command(path, a, *app);
    }
  }
}

}  // namespace orch::cmd
