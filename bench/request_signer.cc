#include "request_signer.h"

#include <charconv>

namespace jobstream::bench {
namespace {

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

RequestSigner::RequestSigner(auth::SigningCredentials credentials, std::string host_header, auth::SignerOptions options)
    : credentials_(std::move(credentials)), host_header_(std::move(host_header)), options_(std::move(options)) {}

Status RequestSigner::Write(std::string_view method, std::string_view target, std::string_view body,
                            std::chrono::system_clock::time_point now, std::string& out) const {
  auth::RequestToSign request{method, target, {{"Host", host_header_}}, body};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  auto signature = auth::SignRequest(request, credentials_, options_, now, signing_keys_.get());
  if (!signature.ok()) return signature.error();

  out.clear();
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : request.headers) AppendHeader(out, name, value);
  for (const auto& [name, value] : signature->headers_to_add) AppendHeader(out, name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    char digits[24];
    auto converted = std::to_chars(digits, digits + sizeof digits, body.size());
    AppendHeader(out, "Content-Length", std::string_view(digits, converted.ptr - digits));
  }
  out.append("\r\n");
  out.append(body);
  return Status::Ok();
}

}  // namespace jobstream::bench
