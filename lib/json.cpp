#include "lib/json.h"

#include "lib/error.h"

namespace orch::json {

Element Parser::parse(std::string_view text) {
  auto result = parser_.parse(text.data(), text.size());
  if (result.error()) {
    throw Error("invalid JSON", simdjson::error_message(result.error()));
  }
  return result.value_unsafe();
}

simdjson::simdjson_result<Element> at(const simdjson::simdjson_result<Element>& e,
                                      std::string_view key) {
  if (e.error()) return e;
  auto obj = e.value_unsafe().get_object();
  if (obj.error()) return simdjson::simdjson_result<Element>(simdjson::INCORRECT_TYPE);
  return obj.value_unsafe().at_key(key);
}

std::string str(const simdjson::simdjson_result<Element>& e, std::string_view def) {
  std::string_view v;
  if (e.error() || e.value_unsafe().get_string().get(v)) return std::string(def);
  return std::string(v);
}

int64_t i64(const simdjson::simdjson_result<Element>& e, int64_t def) {
  if (e.error()) return def;
  const Element& el = e.value_unsafe();
  int64_t i;
  if (!el.get_int64().get(i)) return i;
  uint64_t u;
  if (!el.get_uint64().get(u)) return static_cast<int64_t>(u);
  double d;
  if (!el.get_double().get(d)) return static_cast<int64_t>(d);
  return def;
}

double num(const simdjson::simdjson_result<Element>& e, double def) {
  if (e.error()) return def;
  double d;
  if (!e.value_unsafe().get_double().get(d)) return d;
  int64_t i;
  if (!e.value_unsafe().get_int64().get(i)) return static_cast<double>(i);
  return def;
}

bool boolean(const simdjson::simdjson_result<Element>& e, bool def) {
  bool b;
  if (e.error() || e.value_unsafe().get_bool().get(b)) return def;
  return b;
}

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string raw(const simdjson::simdjson_result<Element>& e) {
  if (e.error()) return "";
  return simdjson::minify(e.value_unsafe());
}

Json to_builder(const simdjson::simdjson_result<Element>& e) {
  if (e.error()) return nullptr;
  const Element& el = e.value_unsafe();
  switch (el.type()) {
    case simdjson::dom::element_type::ARRAY: {
      Json out = Json::array();
      simdjson::dom::array arr = el.get_array().value_unsafe();
      for (Element child : arr) out.push_back(to_builder(child));
      return out;
    }
    case simdjson::dom::element_type::OBJECT: {
      Json out = Json::object();
      simdjson::dom::object obj = el.get_object().value_unsafe();
      for (auto kv : obj) out[std::string(kv.key)] = to_builder(kv.value);
      return out;
    }
    case simdjson::dom::element_type::STRING:
      return std::string(el.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64:
      return el.get_int64().value_unsafe();
    case simdjson::dom::element_type::UINT64:
      return el.get_uint64().value_unsafe();
    case simdjson::dom::element_type::DOUBLE:
      return el.get_double().value_unsafe();
    case simdjson::dom::element_type::BOOL:
      return el.get_bool().value_unsafe();
    case simdjson::dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

}  // namespace orch::json
