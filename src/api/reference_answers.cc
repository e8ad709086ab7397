#include "api/reference_answers.h"

#include <boost/json/object.hpp>

#include "common/json_text.h"

namespace jobstream::api {
namespace {

// The string of a typed string attribute ({"S": "…"}) that is `name` in `entry`, or null: what
// the template's `$entry.getValue().M.<name>.S` finds (anything else renders as absent).
const boost::json::string* StringMember(const boost::json::object& entry, std::string_view name) {
  const boost::json::value* attribute = entry.if_contains(name);
  const boost::json::object* typed = attribute != nullptr ? attribute->if_object() : nullptr;
  const boost::json::value* text = typed != nullptr ? typed->if_contains("S") : nullptr;
  return text != nullptr ? text->if_string() : nullptr;
}

// The text of seconds: a string attribute, as the reference's error handler writes it ("5"), or
// a number, as jobstream's record-failure writes it (the job's own parameter, {"N": "5"}); it is
// the same outcome, which the reference's clients read as the number 5.
const boost::json::string* SecondsMember(const boost::json::object& entry) {
  if (const boost::json::string* text = StringMember(entry, "seconds")) return text;
  const boost::json::value* attribute = entry.if_contains("seconds");
  const boost::json::object* typed = attribute != nullptr ? attribute->if_object() : nullptr;
  const boost::json::value* number = typed != nullptr ? typed->if_contains("N") : nullptr;
  return number != nullptr ? number->if_string() : nullptr;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

}  // namespace

std::string ReferenceCreatedJson(std::string_view id) {
  // The template is Python's json.dumps({"id": "$context.requestId"}): a space after the colon.
  std::string out = R"({"id": )";
  AppendJsonString(out, id);
  out.push_back('}');
  return out;
}

std::string ReferenceJobStatusJson(const store::Job& job) {
  const boost::json::object item = job.ToTypedItem();
  std::string out = "{";
  const boost::json::value* job_status = item.if_contains(store::kJobStatusAttribute);
  const boost::json::object* typed = job_status != nullptr ? job_status->if_object() : nullptr;
  const boost::json::value* map = typed != nullptr ? typed->if_contains("M") : nullptr;
  if (map == nullptr || !map->is_object()) return out + "}";
  bool first_entry = true;
  for (const auto& [consumer, value] : map->get_object()) {
    const boost::json::object* wrapper = value.if_object();
    const boost::json::value* members = wrapper != nullptr ? wrapper->if_contains("M") : nullptr;
    if (members == nullptr || !members->is_object()) continue;
    const auto& entry = members->get_object();
    const boost::json::string* status = StringMember(entry, "status");
    if (status != nullptr && *status == "Pending") continue;  // no entry yet, in the reference's terms
    if (!first_entry) out.push_back(',');
    first_entry = false;
    AppendJsonString(out, consumer);
    out.append(":{");
    bool first_member = true;
    auto member = [&](std::string_view name) {
      if (!first_member) out.push_back(',');
      first_member = false;
      AppendJsonString(out, name);
      out.push_back(':');
    };
    if (const auto* results = StringMember(entry, "results")) {
      member("results");
      AppendJsonString(out, *results);
    }
    if (const auto* seconds = SecondsMember(entry)) {
      member("seconds");
      if (IsJsonNumber(*seconds)) {
        out.append(seconds->data(), seconds->size());
      } else {
        AppendJsonString(out, *seconds);
      }
    }
    if (status != nullptr) {
      member("status");
      AppendJsonString(out, *status);
    }
    out.push_back('}');
  }
  out.push_back('}');
  return out;
}

}  // namespace jobstream::api
