// Private to db_pg.cpp: libpq's messages made safe to show (one line, no password).
#pragma once

#include <string>
#include <vector>

namespace orch::registry::db {

/// libpq's multi-line message `msg` as one line, with every string of `secrets` replaced by ***.
std::string pg_one_line(std::string msg, const std::vector<std::string>& secrets);

/// The password a URL carries (user:PASSWORD@ or password=...), raw and percent-decoded, so it
/// can be scrubbed from libpq's messages.
std::vector<std::string> pg_url_secrets(const std::string& url);

}  // namespace orch::registry::db
