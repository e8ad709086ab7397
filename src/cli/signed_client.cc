#include "cli/signed_client.h"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace jobstream::cli {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;

struct SignedClient::Connection {
  boost::asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host;
  std::string port;
  std::string host_header;
  bool connected = false;
};

SignedClient::SignedClient(ClientOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

SignedClient::~SignedClient() = default;

Result<ClientResponse> SignedClient::Send(std::string_view method, std::string_view path, std::string_view body,
                                          const std::vector<std::pair<std::string, std::string>>& headers) {
  auto url = boost::urls::parse_uri(options_.base_url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return Status::InvalidArgument(fmt::format("--url '{}' is not an http://HOST:PORT address", options_.base_url));
  }
  Connection& c = *connection_;
  c.host = std::string(url->host_name().empty() ? url->host() : url->host_name());
  if (c.host.size() > 2 && c.host.front() == '[') c.host = c.host.substr(1, c.host.size() - 2);
  c.port = url->has_port() ? std::string(url->port()) : "80";
  c.host_header =
      url->has_port() ? fmt::format("{}:{}", url->encoded_host(), url->port()) : std::string(url->encoded_host());
  std::string target = std::string(url->encoded_path());
  while (!target.empty() && target.back() == '/') target.pop_back();
  target += path;

  auth::RequestToSign to_sign{method, target, {{"Host", c.host_header}}, body};
  bool typed = false;
  for (const auto& [name, value] : headers) {
    to_sign.headers.emplace_back(name, value);
    typed = typed || boost::beast::iequals(name, "Content-Type");
  }
  if (!body.empty() && !typed) to_sign.headers.emplace_back("Content-Type", "application/json");
  auto signature = auth::SignRequest(to_sign, options_.credentials, options_.signer, std::chrono::system_clock::now());
  if (!signature.ok()) return signature.error();

  beast_http::request<beast_http::string_body> request{beast_http::string_to_verb(method), target, 11};
  for (const auto& [name, value] : to_sign.headers) request.set(name, value);
  for (const auto& [name, value] : signature->headers_to_add) request.set(name, value);
  request.keep_alive(true);
  request.body() = std::string(body);
  request.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    bool reused = c.connected;
    if (!c.connected) {
      boost::asio::ip::tcp::resolver resolver(c.io);
      auto endpoints = resolver.resolve(c.host, c.port, ec);
      if (ec) return Status::Unavailable(fmt::format("cannot resolve {}: {}", c.host, ec.message()));
      c.stream.expires_after(options_.timeout);
      c.stream.connect(endpoints, ec);
      if (ec) return Status::Unavailable(fmt::format("cannot connect to {}: {}", options_.base_url, ec.message()));
      c.connected = true;
    }
    c.stream.expires_after(options_.timeout);
    beast_http::write(c.stream, request, ec);
    beast_http::response<beast_http::string_body> response;
    if (!ec) beast_http::read(c.stream, c.buffer, response, ec);
    if (ec) {
      c.stream.socket().close(ec);
      c.connected = false;
      c.buffer.clear();
      // A kept-alive connection may have been closed by the server while idle: retry once on a
      // fresh one. A fresh connection failing is an answer in itself (retrying could submit twice).
      if (reused) continue;
      return Status::Unavailable(fmt::format("request to {} failed: {}", options_.base_url, ec.message()));
    }
    if (!response.keep_alive()) {
      c.stream.socket().close(ec);
      c.connected = false;
    }
    return ClientResponse{response.result_int(), std::move(response.body())};
  }
  return Status::Unavailable(fmt::format("no answer from {}", options_.base_url));
}

}  // namespace jobstream::cli
