// The request log: one JSON line per request, appended and flushed, safe across threads.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

namespace orch::fake_model {

class RequestLog {
 public:
  /// Opens `path` for appending; an empty path logs nothing. Throws orch::Error on failure.
  explicit RequestLog(const std::filesystem::path& path);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  /// Writes `{"at":ms,"method":..,"path":..,"body":<body as JSON>}`. A body that is not JSON is
  /// logged as a string; an empty body as null.
  void write(int64_t at_ms, const std::string& method, const std::string& path,
             const std::string& body);

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace orch::fake_model
