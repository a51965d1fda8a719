#include "cmd/completion_scripts.h"

namespace orch::cmd {
namespace {

// `s` as a single-quoted shell word (bash, zsh and fish read '...' alike, but for \' in fish,
// which our descriptions avoid by using the typographic quote).
std::string sq(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("\u2019") : std::string(1, c);
  return out + "'";
}

std::string joined_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// One `case "$1" in ... esac` function body line per command: `'path') echo WORDS ;;`.
std::string case_fn(const std::string& name, const std::vector<CliCommand>& model,
                    std::string (*words)(const CliCommand&)) {
  std::string out = name + "() {\n  case \"$1\" in\n";
  for (const CliCommand& c : model) {
    std::string w = words(c);
    if (!w.empty()) out += "    " + sq(c.path) + ") echo " + sq(w) + " ;;\n";
  }
  return out + "  esac\n}\n";
}

std::string subcommand_words(const CliCommand& c) {
  return joined_words(c.subcommands);
}

std::string option_words(const CliCommand& c) {
  std::vector<std::string> names;
  for (const CliOption& o : c.options) names.insert(names.end(), o.names.begin(), o.names.end());
  return joined_words(names);
}

// "NAME=KIND" for each option that takes a value (KIND "-" when it completes from nothing).
std::string value_option_words(const CliCommand& c) {
  std::vector<std::string> out;
  for (const CliOption& o : c.options) {
    if (!o.takes_value) continue;
    for (const std::string& n : o.names) out.push_back(n + "=" + (o.kind.empty() ? "-" : o.kind));
  }
  return joined_words(out);
}

// The kinds of the positionals in order ("-" for none), a repeating last one marked with "+".
std::string positional_words(const CliCommand& c) {
  std::vector<std::string> out;
  for (const CliPositional& p : c.positionals) {
    out.push_back((p.kind.empty() ? "-" : p.kind) + (p.repeats ? "+" : ""));
  }
  return joined_words(out);
}

constexpr const char* kBashMain = R"BASH(
# The kind of value option $2 of command path $1 takes ("" for a flag or no such option).
_orch_value_kind() {
  local pair path="$1"
  while :; do
    for pair in $(_orch_value_options "$path"); do
      [[ "${pair%%=*}" == "$2" ]] && { echo "${pair#*=}"; return; }
    done
    [[ -z "$path" ]] && return
    path=""  # global options (--home, --color) may follow any command
  done
}

# Fills COMPREPLY with the words of kind $1 that start with $cur.
_orch_complete_kind() {
  local -a home=()
  [[ -n "$_orch_home" ]] && home=(--home "$_orch_home")
  local IFS=$'\n'
  case "$1" in
    units|targets|convoys)
      # Names from the registry are data: matched with a plain loop, never through compgen -W,
      # which would expand a $(...) in a unit name.
      COMPREPLY=()
      local name
      while IFS= read -r name; do
        [[ "$name" == "$cur"* ]] && COMPREPLY+=("$name")
      done < <("${COMP_WORDS[0]}" "${home[@]}" __complete "$1" 2>/dev/null) ;;
    dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    *) COMPREPLY=() ;;
  esac
}

_orch() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" path="" npos=0 i w kind skip=0 _orch_home=""
  ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    if ((skip)); then
      skip=0
      [[ "${COMP_WORDS[i-1]}" == --home ]] && _orch_home="$w"
      continue
    fi
    case "$w" in
      --home=*) _orch_home="${w#--home=}"; continue ;;
      -*=*) continue ;;
      -*) [[ -n "$(_orch_value_kind "$path" "$w")" ]] && skip=1; continue ;;
    esac
    if [[ " $(_orch_subcommands "$path") " == *" $w "* ]]; then
      path="${path:+$path }$w"; npos=0
    else
      npos=$((npos + 1))
    fi
  done
  if ((skip)); then
    kind="$(_orch_value_kind "$path" "$prev")"
    _orch_complete_kind "$kind"
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    local IFS=$' \n'
    COMPREPLY=($(compgen -W "$(_orch_options "$path") $(_orch_options "")" -- "$cur"))
    return 0
  fi
  local subs="$(_orch_subcommands "$path")"
  if [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return 0
  fi
  local kinds=($(_orch_positionals "$path"))
  ((${#kinds[@]} == 0)) && return 0
  if ((npos < ${#kinds[@]})); then kind="${kinds[npos]}"; else kind="${kinds[${#kinds[@]}-1]}"
    [[ "$kind" == *+ ]] || kind="-"
  fi
  _orch_complete_kind "${kind%+}"
  return 0
}
)BASH";

// The bash functions without the `complete` line.
std::string bash_functions(const std::vector<CliCommand>& model) {
  return case_fn("_orch_subcommands", model, subcommand_words) +
         case_fn("_orch_options", model, option_words) +
         case_fn("_orch_value_options", model, value_option_words) +
         case_fn("_orch_positionals", model, positional_words) + kBashMain;
}

// The fish condition that the command line is at command `path` ("" = the root).
std::string fish_condition(const CliCommand& c, const std::vector<CliCommand>& model) {
  if (c.path.empty()) return "__fish_use_subcommand";
  std::string cond;
  size_t start = 0;
  for (size_t sp = c.path.find(' ');; sp = c.path.find(' ', start)) {
    std::string word = c.path.substr(start, sp == std::string::npos ? sp : sp - start);
    cond += (cond.empty() ? "" : "; and ") + std::string("__fish_seen_subcommand_from ") + word;
    if (sp == std::string::npos) break;
    start = sp + 1;
  }
  // Not yet at one of its own subcommands.
  if (!c.subcommands.empty()) {
    cond += "; and not __fish_seen_subcommand_from " + joined_words(c.subcommands);
  }
  (void)model;
  return cond;
}

std::string fish_values(const ValueKind& kind) {
  if (kind == "units" || kind == "targets" || kind == "convoys") {
    return " -f -a " + sq("(orch __complete " + kind + " 2>/dev/null)");
  }
  if (kind == "dir") return " -f -a " + sq("(__fish_complete_directories)");
  return kind == "file" ? " -F" : " -f";
}

}  // namespace

std::string bash_completion(const std::vector<CliCommand>& model) {
  return "# bash completion for orch (generated by 'orch completion bash'; from the same\n"
         "# definitions as 'orch --help'). Load it with: source <(orch completion bash)\n" +
         bash_functions(model) + "complete -F _orch orch\n";
}

std::string zsh_completion(const std::vector<CliCommand>& model) {
  return "#compdef orch\n"
         "# zsh completion for orch (generated by 'orch completion zsh'): the bash completion\n"
         "# run by zsh's bashcompinit. Load it with: source <(orch completion zsh)\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash_functions(model) + "complete -F _orch orch\n";
}

std::string fish_completion(const std::vector<CliCommand>& model) {
  std::string out =
      "# fish completion for orch (generated by 'orch completion fish'). Load it with:\n"
      "# orch completion fish | source\ncomplete -c orch -e\n";
  for (const CliCommand& c : model) {
    std::string cond = fish_condition(c, model);
    for (const CliCommand& sub : model) {
      // The direct subcommands of c, with their descriptions.
      std::string prefix = c.path.empty() ? "" : c.path + " ";
      if (sub.path.size() <= prefix.size() || sub.path.compare(0, prefix.size(), prefix) != 0 ||
          sub.path.find(' ', prefix.size()) != std::string::npos) {
        continue;
      }
      out += "complete -c orch -f -n " + sq(cond) + " -a " + sq(sub.path.substr(prefix.size())) +
             " -d " + sq(sub.description.substr(0, sub.description.find('\n'))) + "\n";
    }
    for (const CliOption& o : c.options) {
      out += "complete -c orch -n " + sq(c.path.empty() ? "true" : cond);
      for (const std::string& n : o.names) {
        out += (n.rfind("--", 0) == 0 ? " -l " : " -s ") + n.substr(n.find_first_not_of('-'));
      }
      out += o.takes_value ? " -r" + fish_values(o.kind) : "";
      out += " -d " + sq(o.description.substr(0, o.description.find('\n'))) + "\n";
    }
    for (const CliPositional& p : c.positionals) {
      if (p.kind.empty()) continue;
      out += "complete -c orch -n " + sq(cond) + fish_values(p.kind) + "\n";
    }
  }
  return out;
}

}  // namespace orch::cmd
