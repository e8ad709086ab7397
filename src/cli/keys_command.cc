#include "cli/keys_command.h"

#include <iostream>

#include "auth/key_file.h"
#include "common/pretty_json.h"

namespace jobstream::cli {
namespace {

struct KeysFlags {
  std::string data_dir = "./data";
  std::string user_name = "jobstream-admin";
  std::string access_key_id;
};

// The same document as `aws iam list-access-keys`, secrets left out.
std::string ListAccessKeysJson(const std::vector<auth::Credential>& keys) {
  boost::json::array metadata;
  for (const auto& key : keys) {
    metadata.push_back(boost::json::object{{"UserName", key.user_name},
                                           {"AccessKeyId", key.access_key_id},
                                           {"Status", key.active ? "Active" : "Inactive"},
                                           {"CreateDate", key.create_date}});
  }
  return PrettyJson(boost::json::object{{"AccessKeyMetadata", std::move(metadata)}});
}

int Run(const KeysFlags& flags, const std::string& action) {
  // Only `keys create` may make a data directory (and its key file); list and delete answer a
  // mistyped --data-dir with an error instead of creating it.
  auth::KeyFileOptions options;
  options.create = action == "create";
  auto keys = auth::KeyFile::Open(flags.data_dir, options);
  if (!keys.ok()) {
    std::cerr << "jobstream keys: " << keys.error().message() << "\n";
    return 1;
  }
  if (action == "create") {
    auto created = (*keys)->Create(flags.user_name);
    if (!created.ok()) {
      std::cerr << "jobstream keys create: " << created.error().message() << "\n";
      return 1;
    }
    std::cout << auth::CreateAccessKeyJson(*created) << std::endl;
    return 0;
  }
  if (action == "list") {
    std::cout << ListAccessKeysJson((*keys)->List()) << std::endl;
    return 0;
  }
  Status deleted = (*keys)->Delete(flags.access_key_id);
  if (!deleted.ok()) {
    std::cerr << "jobstream keys delete: " << deleted.message() << "\n";
    return deleted.code() == StatusCode::kNotFound ? 3 : 1;
  }
  return 0;
}

}  // namespace

void AddKeysCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<KeysFlags>();
  CLI::App* keys = app.add_subcommand("keys", "Manage access keys (stored in DATA_DIR/credentials.json, mode 0600)");
  keys->require_subcommand(1);
  keys->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)")->envname("JOBSTREAM_DATA_DIR");

  CLI::App* create = keys->add_subcommand("create", "Create a key; prints it as `aws iam create-access-key` does");
  create->add_option("--user-name", flags->user_name, "User name recorded with the key");
  create->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)");
  create->callback([flags, &exit_code] { exit_code = Run(*flags, "create"); });

  CLI::App* list = keys->add_subcommand("list", "List keys as `aws iam list-access-keys` does (no secrets)");
  list->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)");
  list->callback([flags, &exit_code] { exit_code = Run(*flags, "list"); });

  CLI::App* remove =
      keys->add_subcommand("delete", "Delete a key; a running server stops accepting it within a second");
  remove->add_option("ACCESS_KEY_ID", flags->access_key_id, "The key to delete")->required();
  remove->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)");
  remove->callback([flags, &exit_code] { exit_code = Run(*flags, "delete"); });
}

}  // namespace jobstream::cli
