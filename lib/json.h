// JSON as orch uses it: simdjson (DOM API) parses, nlohmann::json builds. These helpers read
// optional fields without exceptions, so agent payloads with missing keys are handled in one place.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace orch::json {

using Json = nlohmann::json;  ///< the one JSON builder
using Element = simdjson::dom::element;
/// An element or the error of looking it up; every getter below accepts both.
using Field = simdjson::simdjson_result<Element>;

/// A reusable parser (one per thread). parse() throws orch::Error("invalid JSON", ...) on bad
/// input.
class Parser {
 public:
  /// Parses `text`; the returned element stays valid until the next parse() on this Parser.
  Element parse(std::string_view text);

 private:
  simdjson::dom::parser parser_;
};

/// `e[key]` if e is an object holding key, else an invalid element (all getters below then return
/// their defaults). Chains: at(at(e, "payload"), "type").
simdjson::simdjson_result<Element> at(const simdjson::simdjson_result<Element>& e,
                                      std::string_view key);

/// String value or `def` (also when the value is not a string).
std::string str(const simdjson::simdjson_result<Element>& e, std::string_view def = "");
/// Integer value (int64, uint64 or a whole double) or `def`.
int64_t i64(const simdjson::simdjson_result<Element>& e, int64_t def = 0);
/// Number value or `def`.
double num(const simdjson::simdjson_result<Element>& e, double def = 0);
/// Boolean value or `def`.
bool boolean(const simdjson::simdjson_result<Element>& e, bool def = false);
/// The element serialized back to compact JSON ("" if invalid).
std::string raw(const simdjson::simdjson_result<Element>& e);
/// `j` as JSON text: compact for `indent` < 0, else pretty-printed with that many spaces.
/// Every JSON orch writes (stdout, the registry, events.jsonl, requests to agents) goes through
/// here: strings that are not valid UTF-8 (agent output, paths) get U+FFFD for each invalid byte
/// instead of nlohmann::json's type_error 316, so one bad string never breaks a whole listing.
std::string dump(const Json& j, int indent = -1);
/// The parsed element as a builder value, to embed in JSON orch writes (null if invalid).
Json to_builder(const simdjson::simdjson_result<Element>& e);

// Overloads for plain elements (e.g. the items of a dom::array).
inline Field field(const Element& e) {
  Element copy = e;
  return Field(std::move(copy));
}
inline Field at(const Element& e, std::string_view key) {
  return at(field(e), key);
}
inline std::string str(const Element& e, std::string_view def = "") {
  return str(field(e), def);
}
inline int64_t i64(const Element& e, int64_t def = 0) {
  return i64(field(e), def);
}
inline double num(const Element& e, double def = 0) {
  return num(field(e), def);
}
inline bool boolean(const Element& e, bool def = false) {
  return boolean(field(e), def);
}
inline std::string raw(const Element& e) {
  return raw(field(e));
}
inline Json to_builder(const Element& e) {
  return to_builder(field(e));
}

}  // namespace orch::json
