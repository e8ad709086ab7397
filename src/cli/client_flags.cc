#include "cli/client_flags.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "auth/key_file.h"

namespace jobstream::cli {

void AddClientOptions(CLI::App* command, ClientFlags& flags) {
  command->add_option("--url", flags.url, "Server base URL (default http://127.0.0.1:8080)")->envname("JOBSTREAM_URL");
  command
      ->add_option("--data-dir", flags.data_dir,
                   "Data directory whose first key signs requests when no key is given (default ./data)")
      ->envname("JOBSTREAM_DATA_DIR");
  command->add_option("--access-key-id", flags.access_key_id, "Access key id")->envname("AWS_ACCESS_KEY_ID");
  command->add_option("--secret-access-key", flags.secret_access_key, "Secret access key")
      ->envname("AWS_SECRET_ACCESS_KEY");
  command->add_option("--session-token", flags.session_token, "Session token of temporary credentials")
      ->envname("AWS_SESSION_TOKEN");
  command->add_option("--region", flags.region, "SigV4 region (default us-east-1)")->envname("AWS_REGION");
  command->add_option("--service", flags.service, "SigV4 service (default " + flags.service + ")");
}

Result<SignedClient*> MakeClient(ClientFlags& flags, std::unique_ptr<SignedClient>& holder) {
  if (flags.access_key_id.empty() != flags.secret_access_key.empty()) {
    return Status::InvalidArgument("give both --access-key-id and --secret-access-key, or neither");
  }
  if (flags.access_key_id.empty()) {
    // Read only: a missing --data-dir or key file is an error, never created.
    auto keys = auth::KeyFile::Open(flags.data_dir);
    if (!keys.ok()) {
      return Status::InvalidArgument("no credentials: " + keys.error().message() +
                                     "; or pass --access-key-id/--secret-access-key, or set "
                                     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    }
    for (const auto& key : (*keys)->List()) {
      if (!key.active) continue;
      flags.access_key_id = key.access_key_id;
      flags.secret_access_key = key.secret_access_key;
      break;
    }
    if (flags.access_key_id.empty()) {
      return Status::InvalidArgument(
          "no credentials: pass --access-key-id/--secret-access-key, set "
          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or point --data-dir at a server's data");
    }
  }
  ClientOptions options;
  options.base_url = flags.url;
  options.credentials = {flags.access_key_id, flags.secret_access_key, flags.session_token};
  options.signer.region = flags.region;
  options.signer.service = flags.service;
  holder = std::make_unique<SignedClient>(std::move(options));
  return holder.get();
}

std::optional<SystemTime> ParseTimeFlag(const std::string& text) {
  if (text == "now") return std::chrono::system_clock::now();
  // 1970 to 2255: within what a time point of nanoseconds holds (to 2262).
  constexpr double kMaxSeconds = 9e9;
  auto from_seconds = [](double seconds) { return FromUnixMillis(std::llround(seconds * 1000.0)); };
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds >= kMaxSeconds) return std::nullopt;
    return from_seconds(seconds);
  }
  std::tm parts{};
  double second = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &second, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(consumed));
  if (!(rest.empty() || rest == "Z" || rest == "+00:00") || second < 0 || second >= 61) return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  parts.tm_sec = 0;
  const std::tm asked = parts;
  std::time_t whole = timegm(&parts);
  // timegm normalises (month 13, February 30): a date it had to move is not one.
  if (whole == -1 || parts.tm_mon != asked.tm_mon || parts.tm_mday != asked.tm_mday || parts.tm_hour != asked.tm_hour ||
      parts.tm_min != asked.tm_min || whole < 0 || static_cast<double>(whole) + second >= kMaxSeconds) {
    return std::nullopt;
  }
  return from_seconds(static_cast<double>(whole) + second);
}

int Report(const Result<ClientResponse>& response, unsigned expected) {
  if (!response.ok()) {
    std::cerr << "jobstream: " << response.error().message() << "\n";
    // A malformed --url is the caller's mistake, not an unreachable server.
    return response.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitUnreachable;
  }
  if (response->status != expected) {
    std::cerr << "jobstream: HTTP " << response->status << ": " << response->body << "\n";
    return kExitHttpError;
  }
  return kExitOk;
}

}  // namespace jobstream::cli
