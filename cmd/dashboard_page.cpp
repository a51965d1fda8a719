// The dashboard page's HTML and CSS (cmd/dashboard_page.h); its script is in dashboard_js.cpp.
#include "cmd/dashboard_page.h"

namespace orch::cmd {

std::string dashboard_html(const std::string& token) {
  return R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orch dashboard</title>
<link rel="stylesheet" href="/app.css?token=)" +
         token + R"(">
</head>
<body>
<header>
  <h1>orch</h1>
  <nav><a href="#/sessions" id="nav-sessions">Sessions</a> <a href="#/convoys" id="nav-convoys">Convoys</a></nav>
  <span id="conn">connecting...</span>
</header>
<div id="status" role="status"></div>
<main id="main"></main>
<script src="/app.js?token=)" +
         token + R"("></script>
</body>
</html>
)";
}

const std::string& dashboard_css() {
  static const std::string css = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .5em 1em; background: #22262e;
  color: #eee; }
header h1 { font-size: 1.2em; margin: 0; }
header a { color: #9cf; margin-right: 1em; }
#conn { margin-left: auto; font-size: .9em; color: #aaa; }
#status { padding: .3em 1em; min-height: 1.4em; font-size: .9em; }
#status.error { color: #b00020; }
main { padding: 0 1em 2em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .2em .6em; border-bottom: 1px solid #e4e4e4;
  white-space: pre-wrap; word-break: break-all; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; }
.state { font-weight: 600; }
.state-done { color: #1a7f37; }
.state-failed, .state-lost { color: #b00020; }
.state-running, .state-starting, .state-checking { color: #0a58ca; }
.state-waiting, .state-queued { color: #9a6700; }
.state-stopped, .state-handed_off { color: #666; }
.check-passed { color: #1a7f37; } .check-failed { color: #b00020; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; }
dt { color: #666; } dd { margin: 0; white-space: pre-wrap; word-break: break-all; }
button { margin-right: .3em; }
progress { width: 10em; }
#log { font-family: ui-monospace, monospace; font-size: 12px; list-style: none; padding: 0;
  max-height: 30em; overflow: auto; background: #fff; border: 1px solid #e4e4e4; }
#log li { white-space: pre-wrap; word-break: break-all; padding: 0 .4em; }
#log time { color: #888; }
.diff-file { margin: .6em 0; border: 1px solid #ddd; background: #fff; }
.diff-file h4 { margin: 0; padding: .3em .6em; background: #f0f0f0; font-family: monospace; }
.diff-hunk { font-family: ui-monospace, monospace; font-size: 12px; }
.diff-hunk .hh { color: #6f42c1; background: #f6f0ff; }
.diff-hunk div { white-space: pre-wrap; word-break: break-all; padding: 0 .4em; }
.diff-hunk .add { background: #e6ffec; } .diff-hunk .del { background: #ffebe9; }
#diff-files li { font-family: monospace; }
)";
  return css;
}

std::string dashboard_csp() {
  return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
         "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

}  // namespace orch::cmd
