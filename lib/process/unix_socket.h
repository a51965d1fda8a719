// Unix stream sockets between orch's own processes on one host (a supervisor's tool socket,
// orchestrator/mcp/tool_socket.h): a listener whose file lives in a private (0700) folder, and
// the peer's user as the kernel reports it (SO_PEERCRED), so nothing but the user's own
// processes is served.
#pragma once

#include <sys/types.h>

#include <string>

namespace orch::process {

/// Listens on a Unix stream socket at `path` (close-on-exec, backlog 16), removing a file already
/// there first (a socket of a killed process; the caller owns the folder). The socket file is
/// made mode 0600. A path longer than sockaddr_un allows (107 bytes) is reached through
/// /proc/self/fd of its folder. Returns the listening descriptor.
/// Errors: orch::Error("<path>", "cannot listen: <errno text>").
int listen_unix(const std::string& path);

/// Connects to the Unix stream socket at `path` (close-on-exec; long paths as listen_unix).
/// Returns the descriptor, or -1 with errno set.
int connect_unix(const std::string& path);

/// The user id of the process at the other end of Unix socket `fd` (SO_PEERCRED), or -1 when
/// the kernel does not say.
long peer_uid(int fd);

}  // namespace orch::process
