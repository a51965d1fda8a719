// The page of `orch dashboard`, compiled into the binary: HTML, CSS and JavaScript (no build
// step). The script renders every text with textContent, never as HTML, so unit, branch and file
// names and agent output show as they are.
#pragma once

#include <string>

namespace orch::cmd {

/// The page, with `token` (64 hex digits) in the links to its script and style sheet.
std::string dashboard_html(const std::string& token);
/// The page's script: hash routes #/sessions (default), #/convoys, #/convoy/NAME, #/session/ID;
/// refreshes what it shows on each SSE "change" from /api/events.
const std::string& dashboard_js();
/// The page's style sheet.
const std::string& dashboard_css();
/// The Content-Security-Policy of the page: its own script, style and API only.
std::string dashboard_csp();

}  // namespace orch::cmd
