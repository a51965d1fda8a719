#include "orchestrator/mcp/stream.h"

#include <unistd.h>

#include <cerrno>

#include "lib/json.h"

namespace orch::mcp {

void serve_stream(int in_fd, McpServer& server, const SendLineFn& send) {
  bool gone = false;  // `send` failed: the peer cannot take answers any more
  auto notify = [&](const json::Json& m) {
    if (!gone && !send(json::dump(m))) gone = true;
  };
  std::string line;
  bool skipping = false;  // the rest of a line over kMaxLineBytes
  char chunk[1 << 16];
  while (!gone) {
    ssize_t n = ::read(in_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client closed its end: the session is over
    for (ssize_t i = 0; i < n && !gone; ++i) {
      char ch = chunk[i];
      if (ch != '\n') {
        if (skipping) continue;
        line.push_back(ch);
        if (line.size() > kMaxLineBytes) {
          line.clear();
          skipping = true;
          if (!send(McpServer::too_long())) gone = true;
        }
        continue;
      }
      if (!skipping && !line.empty() && line != "\r") {
        if (auto answer = server.handle(line, notify)) {
          if (!gone && !send(*answer)) gone = true;
        }
      }
      line.clear();
      skipping = false;
    }
  }
}

}  // namespace orch::mcp
