// SseParser: the WHATWG event-stream interpretation, keeping only `data` fields.
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
#include <string_view>

#include "lib/http/http.h"

namespace orch::http {

void SseParser::feed(const std::string& bytes,
                     const std::function<void(const std::string&)>& on_data) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (skip_lf_) {
      // The previous line ended with '\r', maybe at the end of the previous feed: "\r\n" is one
      // line end.
      skip_lf_ = false;
      if (bytes[pos] == '\n') {
        ++pos;
        continue;
      }
    }
    size_t end = bytes.find_first_of("\r\n", pos);
    if (end == std::string::npos) {
      line_.append(bytes, pos, std::string::npos);
      return;
    }
    line_.append(bytes, pos, end - pos);
    skip_lf_ = bytes[end] == '\r';
    pos = end + 1;
    line(on_data);
  }
}

void SseParser::line(const std::function<void(const std::string&)>& on_data) {
  std::string text = std::move(line_);
  line_.clear();
  if (first_line_) {
    first_line_ = false;
    constexpr std::string_view kBom = "\xEF\xBB\xBF";  // a UTF-8 BOM may start the stream
    if (text.starts_with(kBom)) text.erase(0, kBom.size());
  }
  if (text.empty()) {  // blank line: dispatch the event, if it had data
    if (data_.empty()) return;
    data_.pop_back();  // the '\n' after the last data line
    std::string data = std::move(data_);
    data_.clear();
    on_data(data);
    return;
  }
  if (text[0] == ':') return;  // comment (e.g. a heartbeat)
  size_t colon = text.find(':');
  std::string field = text.substr(0, colon);
  if (field != "data") return;  // event, id, retry and unknown fields are ignored
  if (colon == std::string::npos) {
    data_ += '\n';  // "data" alone: an empty value
    return;
  }
  size_t value = colon + 1;
  if (value < text.size() && text[value] == ' ') ++value;
  data_.append(text, value, std::string::npos);
  data_ += '\n';
}

}  // namespace orch::http
