// SseStream: a Server-Sent Events response read by curl_multi on a thread of its own.
//
// The reader waits in curl_multi_poll(), which stop() interrupts with curl_multi_wakeup(), so a
// stop takes effect at once even when the stream is idle. The progress callback also aborts the
// transfer once a stop is requested, as a second line of defence.
#include <string>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/http/curl_easy.h"

namespace orch::http {

namespace {

/// The stream whose reader is the current thread, so stop() from a callback does not join itself.
thread_local const SseStream* t_reading = nullptr;

/// Upper bound of one curl_multi_poll() wait; stop() normally wakes the poll long before.
constexpr int kPollMs = 250;

}  // namespace

/// The reader thread's side of SseStream: the transfer loop and curl's callbacks.
struct SseAccess {
  /// State of one transfer, shared with curl's callbacks.
  struct Transfer {
    SseStream* stream;
    CURL* easy;
    SseParser parser;
    long status = 0;             ///< the final response's status, once its headers ended
    std::string callback_error;  ///< set when on_data threw
  };

  /// CURLOPT_HEADERFUNCTION: marks the stream connected when a 200 response's headers end; aborts
  /// on any other final status.
  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    t->stream->last_activity_.store(steady_ms());
    const std::string_view line(data, n);
    if (line != "\r\n" && line != "\n") return n;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status / 100 == 1) return n;  // interim response (100 Continue): more headers follow
    t->status = status;
    if (status != 200) return 0;  // ends the transfer with CURLE_WRITE_ERROR; reported as HTTP
    t->stream->connected_.store(true);
    return n;
  }

  /// CURLOPT_WRITEFUNCTION: feeds the body to the parser, which calls on_data per event.
  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    SseStream& s = *t->stream;
    s.last_activity_.store(steady_ms());
    if (t->status != 200 || s.stop_.load()) return 0;
    try {
      t->parser.feed(std::string(data, n), [&s](const std::string& event) {
        if (!s.stop_.load()) s.on_data_(event);
      });
    } catch (const std::exception& e) {
      t->callback_error = "SSE on_data: " + std::string(e.what());
      return 0;
    } catch (...) {
      t->callback_error = "SSE on_data: unknown exception";
      return 0;
    }
    return n;
  }

  /// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer once stop() was asked.
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(user)->stream->stop_.load() ? 1 : 0;
  }

  /// Removes the easy handle from the multi handle when the transfer's scope ends.
  struct Attached {
    CURLM* multi;
    CURL* easy;
    ~Attached() { curl_multi_remove_handle(multi, easy); }
  };

  /// Runs the transfer to its end; returns on_end's argument.
  static std::string transfer(SseStream& s) {
    const Request& req = s.req_;
    auto* multi = static_cast<CURLM*>(s.multi_);
    if (multi == nullptr) return detail::error_context(req) + ": cannot create a curl multi handle";
    detail::Easy easy = detail::make_easy(req);
    char errbuf[CURL_ERROR_SIZE];
    detail::Slist headers = detail::configure(easy.get(), req, errbuf, "Accept: text/event-stream");
    Transfer t{&s, easy.get(), {}, 0, {}};
    auto set = [&](CURLcode code) {
      if (code != CURLE_OK) {
        throw Error(detail::error_context(req), detail::curl_error_text(req, code, errbuf));
      }
    };
    set(curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 0L));  // streams may stay open forever
    set(curl_easy_setopt(easy.get(), CURLOPT_TCP_KEEPALIVE, 1L));
    set(curl_easy_setopt(easy.get(), CURLOPT_HEADERFUNCTION, on_header));
    set(curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, &t));
    set(curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, on_body));
    set(curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &t));
    set(curl_easy_setopt(easy.get(), CURLOPT_XFERINFOFUNCTION, on_progress));
    set(curl_easy_setopt(easy.get(), CURLOPT_XFERINFODATA, &t));
    set(curl_easy_setopt(easy.get(), CURLOPT_NOPROGRESS, 0L));

    auto multi_check = [&](CURLMcode code) {
      if (code != CURLM_OK) throw Error(detail::error_context(req), curl_multi_strerror(code));
    };
    multi_check(curl_multi_add_handle(multi, easy.get()));
    Attached attached{multi, easy.get()};
    CURLcode result = CURLE_OK;
    bool done = false;
    while (!done && !s.stop_.load()) {
      int running = 0;
      multi_check(curl_multi_perform(multi, &running));
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy.get()) {
          result = msg->data.result;
          done = true;
        }
      }
      if (!done) multi_check(curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr));
    }

    if (s.stop_.load()) return "";
    if (!t.callback_error.empty()) return t.callback_error;
    if (t.status != 0 && t.status != 200) return "HTTP " + std::to_string(t.status);
    if (result != CURLE_OK) {
      return detail::error_context(req) + ": " + detail::curl_error_text(req, result, errbuf);
    }
    if (t.status != 200) return "HTTP " + std::to_string(t.status);
    return "";
  }
};

SseStream::SseStream(Request req, OnData on_data, OnEnd on_end)
    : req_(std::move(req)), on_data_(std::move(on_data)), on_end_(std::move(on_end)) {
  detail::global_init();
  multi_ = curl_multi_init();  // checked by the reader, which reports a failure through on_end
  try {
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
    throw;
  }
}

SseStream::~SseStream() {
  stop();
  if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void SseStream::stop() {
  stop_.store(true);
  if (multi_ != nullptr) curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (t_reading == this) return;  // called from a callback: the destructor joins
  std::lock_guard<std::mutex> lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void SseStream::run() {
  t_reading = this;
  std::string error;
  try {
    error = SseAccess::transfer(*this);
  } catch (const std::exception& e) {
    error = stop_.load() ? "" : e.what();
  }
  try {
    on_end_(error);
  } catch (...) {
    // on_end must not throw; nothing on this thread could handle it.
  }
  t_reading = nullptr;
}

}  // namespace orch::http
