// orch dashboard [--port N] [--open] [--read-only]: the local web dashboard (cmd/
// dashboard_server.h): prints its URL with the token, serves until SIGINT/SIGTERM/SIGHUP.
#include "cmd/cmd.h"
#include "cmd/dashboard_server.h"

#include <filesystem>
#include <fstream>

#include "lib/error.h"
#include "lib/home.h"
#include "lib/process/process.h"

namespace orch::cmd {
namespace {

struct DashboardOptions {
  int port = 0;
  bool open = false;
  bool read_only = false;
};

int run_dashboard(Context& c, const DashboardOptions& o) {
  c.f().registry();  // opened (and migrated) before the first request
  const std::string token = dashboard_token();
  DashboardServer server(c.f(), token, o.read_only);
  int port = server.bind(o.port);
  // The URL holds the token; it goes to stdout only (never to a log).
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/?token=";
  c.io.out << url << token << "\n";
  c.io.out.flush();
  c.io.err << "orch dashboard: serving on 127.0.0.1:" << port << (o.read_only ? " (read-only)" : "")
           << "; Ctrl-C stops it\n";
  c.io.err.flush();
  if (o.open) {
    try {
      // Not the URL itself: a program's argv is readable by every local user in /proc, and the
      // browser keeps it on its command line. A 0600 page in the private home redirects to it.
      const std::filesystem::path page = c.f().home().root / "dashboard-open.html";
      create_private_file(page);
      std::ofstream(page, std::ios::trunc)
          << "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url=" << url << token
          << "\">\n";
      process::SpawnOptions so;
      so.argv = {"xdg-open", page.string()};
      process::spawn_detached(so);
    } catch (const std::exception& e) {
      c.io.err << "orch dashboard: --open: " << e.what() << "\n";
    }
  }
  server.run();
  return kExitOk;
}

}  // namespace

void add_dashboard(CLI::App& root, Context& ctx) {
  auto o = std::make_shared<DashboardOptions>();
  CLI::App* sub = root.add_subcommand(
      "dashboard", "Serve a live web dashboard on 127.0.0.1 (its URL, with a token, on stdout)");
  sub->group("Commands");
  sub->add_option("--port", o->port, "Port to listen on (default: a free one)")
      ->check(CLI::Range(1, 65535));
  sub->add_flag("--open", o->open, "Open the page in the desktop's browser (xdg-open)");
  sub->add_flag("--read-only", o->read_only, "Refuse the actions (stop, nudge, hand off)");
  sub->callback([&ctx, o] { ctx.action = [o](Context& c) { return run_dashboard(c, *o); }; });
}

}  // namespace orch::cmd
