// The AWS Query protocol as STS and IAM speak it on the server's port: parameters form-encoded in
// the body (and the query string), answers and errors as XML documents in the service's namespace.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_handler.h"

namespace jobstream::aws_query {

// Decoded parameters by name ("Action", "Tags.member.1.Key"); a name given twice keeps its first.
using Parameters = std::map<std::string, std::string, std::less<>>;

// A client can send at most this many parameters; the rest are ignored (bounds what a body of
// the server's maximum size can make us allocate in nodes).
inline constexpr std::size_t kMaxParameters = 1000;

// Decodes an application/x-www-form-urlencoded text ('+' is a space, %XX a byte) into params.
void AddFormParameters(std::string_view form, Parameters& params);
// The query string's parameters, then the body's when the request is a POST.
Parameters ParametersOf(const http::Request& request);

// The value of name, or nullptr.
const std::string* Find(const Parameters& params, std::string_view name);
// The values of a list member in order: prefix.member.1, prefix.member.2, … up to the first gap.
std::vector<std::string> ListMembers(const Parameters& params, std::string_view prefix);

// text with & < > " ' escaped for element content and attribute values.
std::string XmlEscape(std::string_view text);
// <name>escaped value</name>
std::string Element(std::string_view name, std::string_view value);

// <ActionResponse xmlns=ns><ActionResult>result</ActionResult><ResponseMetadata>…
// result may be empty: operations without output still answer with their metadata (and then with
// no Result element, as IAM's DeleteUser does).
http::Response XmlResponse(std::string_view xml_namespace, std::string_view action, std::string_view result,
                           std::string_view request_id);

// <ErrorResponse xmlns=ns><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
// <RequestId>…</RequestId></ErrorResponse>, as awscli and the SDKs parse it (Sender: the
// caller's fault; 5xx statuses say Receiver).
http::Response XmlErrorResponse(std::string_view xml_namespace, unsigned status, std::string_view code,
                                std::string_view message, std::string_view request_id);

// "1 validation error detected: Value 'v' at 'member' failed to satisfy constraint: c"
std::string ValidationMessage(std::string_view value, std::string_view member, std::string_view constraint);

}  // namespace jobstream::aws_query
