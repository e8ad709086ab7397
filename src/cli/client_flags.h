// What every signed client command shares (submit, get, replay …): where the server is, the
// credentials that sign (given, or the data directory's first key), and the exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cli/signed_client.h"
#include "common/clock.h"
#include "common/result.h"

namespace jobstream::cli {

constexpr int kExitOk = 0;
constexpr int kExitJobFailed = 1;    // submit --wait: the job ended in Failure
constexpr int kExitUsage = 2;        // bad flags or credentials
constexpr int kExitHttpError = 3;    // the server answered with an error status
constexpr int kExitUnreachable = 4;  // no answer from the server, or --wait timed out

struct ClientFlags {
  std::string url = "http://127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string region = "us-east-1";
  std::string service = "execute-api";  // the SigV4 service (a command may default to another)
};

// --url, --data-dir, the credentials, --region and --service.
void AddClientOptions(CLI::App* command, ClientFlags& flags);

// A client signing with the flags' credentials (read from the data directory's key file when
// none are given; it is never created), owned by `holder`.
Result<SignedClient*> MakeClient(ClientFlags& flags, std::unique_ptr<SignedClient>& holder);

// A time as the client flags take it: "now", epoch seconds ("1765100000", "1765100000.5"), or
// ISO 8601 in UTC ("2026-12-07T10:00:00Z", with a fraction of a second, or without the Z).
std::optional<SystemTime> ParseTimeFlag(const std::string& text);

// kExitOk when the server answered `expected`; otherwise prints why and returns the exit code.
int Report(const Result<ClientResponse>& response, unsigned expected);

}  // namespace jobstream::cli
