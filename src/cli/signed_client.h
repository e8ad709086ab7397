// A small blocking HTTP client that signs each request with SigV4, for the client commands.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4_signer.h"
#include "common/result.h"

namespace jobstream::cli {

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8080";  // http only; the server speaks plain HTTP
  auth::SigningCredentials credentials;
  auth::SignerOptions signer;
  std::chrono::seconds timeout{30};
};

// Not thread-safe; keeps one keep-alive connection open between calls.
class SignedClient {
 public:
  explicit SignedClient(ClientOptions options);
  ~SignedClient();

  // `headers` are signed with the rest (X-Amz-Target, Content-Type …); a body without a
  // Content-Type among them is sent as application/json.
  Result<ClientResponse> Send(std::string_view method, std::string_view path, std::string_view body,
                              const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Connection;
  ClientOptions options_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace jobstream::cli
