#include "orchestrator/session/input_limits.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "lib/error.h"

extern char** environ;

namespace orch {
namespace {

// Reads at most `limit` + 1 bytes of `in`; more is refused with "<what>: more than <limit> bytes,
// over the <label>".
std::string read_limited(std::istream& in, const std::string& what, std::size_t limit,
                         const char* label) {
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limit) {  // the rest is left unread
    throw Error(what, "more than " + std::to_string(limit) + " bytes, over the " + label,
                kExitUsage);
  }
  return text;
}

}  // namespace

void check_prompt_size(const std::string& what, std::size_t size) {
  if (size <= kMaxPromptBytes) return;
  throw Error(what, std::to_string(size) + " bytes, over the 1 MiB limit of a prompt", kExitUsage);
}

std::string read_prompt(std::istream& in, const std::string& what) {
  return read_limited(in, what, kMaxPromptBytes, "1 MiB limit of a prompt");
}

void check_mail_size(const std::string& what, std::size_t size) {
  if (size <= kMaxMailBytes) return;
  throw Error(what, std::to_string(size) + " bytes, over the 64 KiB limit of a mail", kExitUsage);
}

std::string read_mail_text(std::istream& in, const std::string& what) {
  return read_limited(in, what, kMaxMailBytes, "64 KiB limit of a mail");
}

std::string read_prompt_file(const std::string& option, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(option + " " + path, "is a directory, expected a file", kExitUsage);
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(option + " " + path, "cannot read it", kExitUsage);
  std::string text = read_prompt(f, option + " " + path);
  if (f.bad()) throw Error(option + " " + path, "cannot read it", kExitUsage);
  return text;
}

void check_exec_size(const Preset& p) {
  const std::string who = "agent preset '" + p.name + "'";
  std::size_t total = 0;
  for (const auto& [name, value] : p.env) {
    std::size_t n = name.size() + 1 + value.size() + 1;
    if (n > kMaxExecStringBytes) {
      throw Error(who, "env " + name + " is " + std::to_string(n) +
                           " bytes; one environment variable can hold at most " +
                           std::to_string(kMaxExecStringBytes) + " bytes (Linux MAX_ARG_STRLEN)");
    }
    total += n + sizeof(char*);
  }
  for (const std::string& a : p.extra_args) {
    if (a.size() + 1 > kMaxExecStringBytes) {
      throw Error(who, "an argument of " + std::to_string(a.size() + 1) +
                           " bytes; one argument can hold at most " +
                           std::to_string(kMaxExecStringBytes) + " bytes (Linux MAX_ARG_STRLEN)");
    }
    total += a.size() + 1 + sizeof(char*);
  }
  std::size_t inherited = 0;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    inherited += std::char_traits<char>::length(*e) + 1 + sizeof(char*);
  }
  long arg_max = sysconf(_SC_ARG_MAX);
  if (arg_max <= 0) return;
  const std::size_t reserve = 64 * 1024;  // orch's own variables and the agent's arguments
  std::size_t budget = static_cast<std::size_t>(arg_max);
  if (total + inherited + reserve > budget) {
    throw Error(who, "its env and args take " + std::to_string(total) +
                         " bytes; with the inherited environment (" + std::to_string(inherited) +
                         " bytes) that is over the system's limit of " + std::to_string(budget) +
                         " bytes for a program's arguments and environment (ARG_MAX, less " +
                         std::to_string(reserve) + " kept for orch)");
  }
}

}  // namespace orch
