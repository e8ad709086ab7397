#include "cli/client_flags.h"

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
