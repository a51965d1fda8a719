#include "tests/fake_model/request_log.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "lib/error.h"
#include "tests/fake_model/request.h"

namespace orch::fake_model {

RequestLog::RequestLog(const std::filesystem::path& path) {
  if (path.empty()) return;
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) throw Error(path.string(), std::strerror(errno));
}

RequestLog::~RequestLog() {
  if (file_) std::fclose(file_);
}

void RequestLog::write(int64_t at_ms, const std::string& method, const std::string& path,
                       const std::string& body) {
  if (!file_) return;
  nlohmann::json parsed = nullptr;
  if (!body.empty()) {
    try {
      parsed = to_json(body);
    } catch (const Error&) {
      parsed = body;
    }
  }
  nlohmann::json line = {{"at", at_ms}, {"method", method}, {"path", path}, {"body", parsed}};
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace orch::fake_model
