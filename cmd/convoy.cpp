// orch convoy: the command group (create, add, list, show, stop, wait, run). This file registers
// the group and holds list, show and stop; convoy_create.cpp holds create and add, convoy_wait.cpp
// wait and run. The logic lives in orchestrator/convoy/.
#include <algorithm>
#include <cstdio>

#include "cmd/agents_view.h"
#include "cmd/cmd.h"
#include "cmd/options.h"
#include "cmd/style.h"
#include "lib/clock.h"
#include "orchestrator/convoy/convoy.h"
#include "orchestrator/pool/pool.h"
#include "orchestrator/session/budget.h"
#include "orchestrator/session/view.h"

namespace orch::cmd {
namespace {

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

int run_list(Context& c, bool json_out) {
  registry::Registry& reg = c.f().registry();
  fill_slots(c.deps(), "pool:cli");
  json::Json arr = json::Json::array();
  std::vector<std::vector<std::string>> rows = {
      {"CONVOY", "UNITS", "DONE", "FAILED", "LIVE", "MAX", "COST", "AGE", "REPO"}};
  for (const registry::Convoy& convoy : registry::list_convoys(reg)) {
    ConvoyStatus st = convoy_status(reg, convoy);
    const ConvoyCounts& n = st.counts;
    json::Json j = convoy_json(st);
    j.erase("units");
    arr.push_back(std::move(j));
    rows.push_back({convoy.name + (convoy.stopped_at > 0 ? " (stopped)" : ""),
                    std::to_string(n.total), std::to_string(n.done),
                    std::to_string(n.failed + n.stopped + n.lost),
                    std::to_string(n.total - n.finished()), std::to_string(convoy.max_sessions),
                    money(n.cost_usd), format_age(now_ms() - convoy.created_at), convoy.repo});
  }
  if (json_out) {
    c.io.out << json::dump(arr, 2) << "\n";
  } else if (rows.size() == 1) {
    c.io.err << "no convoys (create one with: orch convoy create NAME --repo R ...)\n";
  } else {
    write_out(c.io, format_table(rows, c.io.out_color, [&rows](size_t r, size_t col) {
                if (col == 2 && rows[r][col] != "0") return Hue::kGreen;  // DONE
                if (col == 3 && rows[r][col] != "0") return Hue::kRed;    // FAILED
                return Hue::kPlain;
              }));
  }
  return 0;
}

// A unit's cost, and against its --max-cost when it has one: "$0.5500/$2.00".
std::string unit_cost(const UnitStatus& u) {
  double limit = 0;
  if (u.latest) {
    const json::Json l = session_limits_json(u.latest->session.options);
    if (!l["max_cost_usd"].is_null()) limit = l["max_cost_usd"].get<double>();
  }
  return money(u.cost_usd) + (limit > 0 ? "/" + format_usd(limit) : "");
}

int run_show(Context& c, const std::string& name, bool json_out) {
  registry::Registry& reg = c.f().registry();
  fill_slots(c.deps(), "pool:cli");
  ConvoyStatus st = convoy_status(reg, require_convoy(reg, name));
  if (json_out) {
    c.io.out << json::dump(convoy_json(st), 2) << "\n";
    return 0;
  }
  const registry::Convoy& cv = st.convoy;
  c.io.out << "convoy " << cv.name
           << (cv.over_budget_at > 0 ? " (over budget)"
               : cv.stopped_at > 0   ? " (stopped)"
                                     : "")
           << ": " << cv.repo << ", agent " << (cv.agent.empty() ? "(default)" : cv.agent)
           << ", max " << cv.max_sessions << " sessions, " << cv.retries << " retries\n";
  std::vector<std::vector<std::string>> rows = {
      {"UNIT", "STATE", "SESSION", "ATTEMPT", "BRANCH", "TIME", "COST", "LANDING", "ERROR"}};
  for (const UnitStatus& u : st.units) {
    const registry::Session* s = u.latest ? &u.latest->session : nullptr;
    std::string state = s ? registry::to_string(s->state) : "-";
    if (s && !no_changes_marker(*s).empty()) state += " (no changes)";
    std::string landing = u.landing ? landing_text(*u.landing) : "-";
    if (u.landing && u.landing->outcome == "skipped") landing = "skipped";  // the why: orch show
    rows.push_back({u.unit, state, s ? s->id : "-",
                    std::to_string(u.latest ? u.latest->pool.attempt : 0) + "/" +
                        std::to_string(u.latest ? u.latest->pool.max_attempts : 0),
                    u.branch, format_age(u.run_ms), unit_cost(u), landing,
                    s ? s->error.substr(0, s->error.find('\n')).substr(0, 60) : ""});
  }
  write_out(c.io, format_table(rows, c.io.out_color, [&rows](size_t r, size_t col) {
              return col == 1 ? state_hue(rows[r][col]) : (col == 7 ? Hue::kRed : Hue::kPlain);
            }));
  const ConvoyCounts& n = st.counts;
  int percent = n.total > 0 ? n.finished() * 100 / n.total : 100;
  c.io.out << n.total << " units: " << n.done << " done, " << n.failed << " failed, " << n.stopped
           << " stopped, " << n.lost << " lost, " << n.running + n.waiting + n.starting
           << " running, " << n.queued << " queued; " << percent << "% ended; cost "
           << money(n.cost_usd)
           << (cv.budget_usd > 0 ? " of a budget of " + money(cv.budget_usd) : "") << "\n";
  if (!cv.over_budget_note.empty()) c.io.out << cv.over_budget_note << "\n";
  // The rate limit pauses that hold queued units back, once each (docs/agents/rate-limits.md §4).
  std::vector<registry::RateLimitPause> holding;
  for (const UnitStatus& u : st.units) {
    if (!u.rate_limit) continue;
    const bool seen = std::any_of(holding.begin(), holding.end(), [&u](const auto& p) {
      return p.backend == u.rate_limit->backend && p.provider == u.rate_limit->provider;
    });
    if (!seen) holding.push_back(*u.rate_limit);
  }
  write_out(c.io, format_pauses(holding));
  return 0;
}

}  // namespace

int run_convoy_stop(Context& c, const std::string& name, const std::string& grace, bool force) {
  int64_t grace_ms = parse_duration_ms(grace);
  registry::Convoy cv = require_convoy(c.f().registry(), name);
  ConvoyStopReport r = stop_convoy(c.deps(), cv, grace_ms, force);
  c.io.out << "convoy " << name << " stopped: " << r.stopped << " running session(s) stopped, "
           << r.cancelled << " queued session(s) cancelled\n";
  return 0;
}

void add_convoy(CLI::App& root, Context& ctx) {
  CLI::App* group = root.add_subcommand(
      "convoy", "Groups of work units: create, add, list, show, stop, wait, run (for CI)");
  group->group("Commands");
  group->require_subcommand(1);
  add_convoy_create(*group, ctx);

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = group->add_subcommand("list", "List convoys with their progress and cost");
  list->add_flag("--json", *list_json, "Print a JSON array");
  list->callback([&ctx, list_json] {
    ctx.action = [list_json](Context& c) { return run_list(c, *list_json); };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  CLI::App* show =
      group->add_subcommand("show", "Each unit's state, session, branch and cost; totals");
  show->add_option("NAME", *show_name, "The convoy")->required();
  show->add_flag("--json", *show_json, "Print the convoy as JSON (keys in the README)");
  show->callback([&ctx, show_name, show_json] {
    ctx.action = [show_name, show_json](Context& c) { return run_show(c, *show_name, *show_json); };
  });

  auto stop_name = std::make_shared<std::string>();
  auto grace = std::make_shared<std::string>("15s");
  CLI::App* stop =
      group->add_subcommand("stop", "Stop the convoy's running sessions and cancel queued ones");
  stop->add_option("NAME", *stop_name, "The convoy")->required();
  auto force = std::make_shared<bool>(false);
  stop->add_option("--grace", *grace, "How long each agent gets to stop before it is killed")
      ->capture_default_str()
      ->check(duration(true));
  stop->add_flag("--force", *force, "Kill at once instead of asking the agents to stop");
  stop->callback([&ctx, stop_name, grace, force] {
    ctx.action = [stop_name, grace, force](Context& c) {
      return run_convoy_stop(c, *stop_name, *grace, *force);
    };
  });

  add_convoy_wait(*group, ctx);
}

}  // namespace orch::cmd
