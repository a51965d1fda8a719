// toml++ (Debian libtomlplusplus-dev 3.3, linked as a shared library), with its own warnings
// silenced so that orch's -Werror flags apply to orch's code only. Include this, never
// <toml++/toml.h> directly; only lib/config/*.cpp should need it.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
#pragma GCC diagnostic ignored "-Woverloaded-virtual"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <toml++/toml.h>
#pragma GCC diagnostic pop
