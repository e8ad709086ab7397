#include "aws_query/query_protocol.h"

#include "auth/sigv4_canonical.h"

namespace jobstream::aws_query {

void AddFormParameters(std::string_view form, Parameters& params) {
  while (!form.empty() && params.size() < kMaxParameters) {
    std::size_t amp = form.find('&');
    std::string_view pair = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t equals = pair.find('=');
    std::string_view raw_name = pair.substr(0, equals);
    std::string_view raw_value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    // Form encoding writes a space as '+', which SigV4's percent-decoding keeps as it is.
    auto decode = [](std::string_view raw) {
      std::string spaced(raw);
      for (char& c : spaced) {
        if (c == '+') c = ' ';
      }
      return auth::PercentDecode(spaced);
    };
    params.emplace(decode(raw_name), decode(raw_value));
  }
}

Parameters ParametersOf(const http::Request& request) {
  Parameters params;
  std::string_view target = request.target();
  if (auto question = target.find('?'); question != std::string_view::npos) {
    AddFormParameters(target.substr(question + 1), params);
  }
  if (request.method() == boost::beast::http::verb::post) AddFormParameters(request.body(), params);
  return params;
}

const std::string* Find(const Parameters& params, std::string_view name) {
  auto found = params.find(name);
  return found == params.end() ? nullptr : &found->second;
}

std::vector<std::string> ListMembers(const Parameters& params, std::string_view prefix) {
  std::vector<std::string> values;
  for (std::size_t i = 1; i <= params.size(); ++i) {
    const std::string* value = Find(params, std::string(prefix) + ".member." + std::to_string(i));
    if (value == nullptr) break;
    values.push_back(*value);
  }
  return values;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Element(std::string_view name, std::string_view value) {
  return "<" + std::string(name) + ">" + XmlEscape(value) + "</" + std::string(name) + ">";
}

http::Response XmlResponse(std::string_view xml_namespace, std::string_view action, std::string_view result,
                           std::string_view request_id) {
  const std::string name(action);
  http::Response response;
  response.content_type = "text/xml";
  response.body = "<" + name + "Response xmlns=\"" + std::string(xml_namespace) + "\">";
  if (!result.empty()) response.body += "<" + name + "Result>" + std::string(result) + "</" + name + "Result>";
  response.body +=
      "<ResponseMetadata>" + Element("RequestId", request_id) + "</ResponseMetadata></" + name + "Response>";
  return response;
}

http::Response XmlErrorResponse(std::string_view xml_namespace, unsigned status, std::string_view code,
                                std::string_view message, std::string_view request_id) {
  http::Response response;
  response.status = status;
  response.content_type = "text/xml";
  response.body = "<ErrorResponse xmlns=\"" + std::string(xml_namespace) + "\"><Error>" +
                  Element("Type", status >= 500 ? "Receiver" : "Sender") + Element("Code", code) +
                  Element("Message", message) + "</Error>" + Element("RequestId", request_id) + "</ErrorResponse>";
  return response;
}

std::string ValidationMessage(std::string_view value, std::string_view member, std::string_view constraint) {
  return "1 validation error detected: Value '" + std::string(value) + "' at '" + std::string(member) +
         "' failed to satisfy constraint: " + std::string(constraint);
}

}  // namespace jobstream::aws_query
