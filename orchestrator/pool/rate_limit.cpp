#include "orchestrator/pool/rate_limit.h"

#include <algorithm>

#include "lib/clock.h"
#include "lib/http/rate_limit.h"

namespace orch {
namespace {

// "2h", "15m", "90s" for a note.
std::string rate_limit_span(int64_t ms) {
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  return std::to_string((ms + 999) / 1000) + "s";
}

// The backoff after `strikes` rate limits in a row without a reset time.
int64_t rate_limit_backoff_ms(int strikes) {
  int64_t wait = kRateLimitBackoffBaseMs;
  for (int i = 1; i < strikes && wait < kRateLimitBackoffCapMs; ++i) wait *= 2;
  return std::min(wait, kRateLimitBackoffCapMs);
}

}  // namespace

std::string rate_limit_provider(const registry::Session& s, const RateLimitHit& hit) {
  if (!hit.provider.empty()) return hit.provider;
  auto slash = s.model.find('/');
  return slash == std::string::npos ? "" : s.model.substr(0, slash);
}

PauseDecision decide_pause(const std::string& backend, const std::string& provider,
                           const RateLimitHit& hit,
                           const std::optional<registry::RateLimitPause>& previous,
                           int64_t now_ms) {
  PauseDecision d;
  d.pause.backend = backend;
  d.pause.provider = provider;
  d.pause.reason = "rate limit";
  d.pause.at = now_ms;
  const bool running = previous && previous->until_ms > now_ms;
  if (running) {
    d.pause.strikes = previous->strikes;
  } else if (previous && now_ms - previous->until_ms < kRateLimitStrikeMemoryMs) {
    d.pause.strikes = std::min(previous->strikes, 100) + 1;
  }
  http::ResetHint hint = http::reset_hint(hit.headers, now_ms);
  int64_t reset = hint.reset_at_ms;
  d.basis = hint.header;
  if (hit.retry_delay_ms >= 0 && hit.retry_announced_at > 0) {
    const int64_t announced = hit.retry_announced_at + std::min<int64_t>(hit.retry_delay_ms, 1e13);
    if (announced > reset) {
      reset = std::max(announced, now_ms);
      d.basis = "the agent's announced retry";
    }
  }
  if (!hint.unreadable.empty()) {
    std::string list;
    for (const std::string& h : hint.unreadable) list += (list.empty() ? "" : ", ") + h;
    d.note = "ignored an unreadable reset time (" + list + ")";
  }
  if (reset > 0) {
    if (reset - now_ms > kRateLimitMaxPauseMs) {
      d.note += std::string(d.note.empty() ? "" : "; ") + "the reset time " +
                format_iso8601(reset) + " is more than " + rate_limit_span(kRateLimitMaxPauseMs) +
                " away: pausing " + rate_limit_span(kRateLimitMaxPauseMs);
      reset = now_ms + kRateLimitMaxPauseMs;
    }
    d.pause.until_ms = std::max(reset, now_ms + kRateLimitMinPauseMs);
  } else {
    d.basis = "backoff";
    d.pause.until_ms = now_ms + rate_limit_backoff_ms(d.pause.strikes);
  }
  if (running) d.pause.until_ms = std::max(d.pause.until_ms, previous->until_ms);
  return d;
}

PauseDecision record_rate_limit(registry::Registry& reg, const registry::Session& s,
                                const RateLimitHit& hit, int64_t now_ms) {
  const std::string provider = rate_limit_provider(s, hit);
  PauseDecision d;
  reg.transaction([&] {
    d = decide_pause(s.backend, provider, hit, registry::get_pause(reg, s.backend, provider),
                     now_ms);
    d.pause.session_id = s.id;
    registry::put_pause(reg, d.pause);
  });
  return d;
}

std::string pause_target(const registry::RateLimitPause& p) {
  return p.provider.empty() ? p.backend : p.backend + "/" + p.provider;
}

int64_t pause_for_rate_limit(registry::Registry& reg, SessionSink& sink, const registry::Session& s,
                             const RunResult& run, spdlog::logger& log) {
  if (run.state != State::kFailed || !run.rate_limit || run.cancelled) return 0;
  try {
    PauseDecision d = record_rate_limit(reg, s, *run.rate_limit, now_ms());
    std::string message =
        pause_target(d.pause) + " paused until " + format_iso8601(d.pause.until_ms) +
        " (rate limit; " +
        (d.basis == "backoff" ? "no reset time given: backoff" : "reset from " + d.basis) + ")" +
        (d.note.empty() ? "" : ": " + d.note);
    sink.event("rate_limit", {{"message", message},
                              {"backend", d.pause.backend},
                              {"provider", d.pause.provider},
                              {"until", format_iso8601(d.pause.until_ms)},
                              {"basis", d.basis},
                              {"note", d.note}});
    log.warn("{}", message);
    return d.pause.until_ms;
  } catch (const std::exception& e) {
    log.error("cannot record the rate limit pause: {}", e.what());
    return 0;
  }
}

}  // namespace orch
