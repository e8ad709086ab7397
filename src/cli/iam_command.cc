#include "cli/iam_command.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "auth/key_file.h"
#include "common/pretty_json.h"
#include "iam/account_id.h"
#include "iam/identity.h"
#include "iam_api/iam_api.h"

namespace jobstream::cli {
namespace {

struct IamFlags {
  std::string data_dir = "./data";
  std::string user_name;
  std::string policy_name;
  std::string policy_document;
};

boost::json::object UserJson(const iam::User& user, const std::string& account) {
  return {{"Path", "/"},
          {"UserName", user.name},
          {"UserId", user.id},
          {"Arn", iam::UserArn(account, user.name)},
          {"CreateDate", user.create_date}};
}

// Runs action with the flags as IAM's parameters and prints what awscli would print.
int Run(const IamFlags& flags, const std::string& action) {
  const std::string command = "jobstream iam " + action + ": ";
  auto account = iam::LoadOrCreateAccountId(flags.data_dir);
  if (!account.ok()) {
    std::cerr << command << account.error().message() << "\n";
    return 1;
  }
  auth::KeyFileOptions options;
  options.create = action != "list-users";
  options.account_id = *account;
  auto keys = auth::KeyFile::Open(flags.data_dir, options);
  if (!keys.ok()) {
    std::cerr << command << keys.error().message() << "\n";
    return 1;
  }
  aws_query::Parameters params;
  std::string operation;  // create-user → CreateUser
  bool upper = true;
  for (char c : action) {
    if (c == '-') {
      upper = true;
      continue;
    }
    operation += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  params["Action"] = operation;
  if (!flags.user_name.empty()) params["UserName"] = flags.user_name;
  if (!flags.policy_name.empty()) params["PolicyName"] = flags.policy_name;
  if (!flags.policy_document.empty()) params["PolicyDocument"] = flags.policy_document;

  const std::vector<auth::Credential> before = (*keys)->Snapshot().keys;
  iam_api::Outcome outcome = iam_api::RunAsOperator(**keys, *account, params);
  if (!outcome.error_code.empty()) {
    std::cerr << command << "(" << outcome.error_code << ") " << outcome.text << "\n";
    return outcome.status == 404 ? 3 : 1;
  }
  const auth::KeyFileContents after = (*keys)->Snapshot();
  if (action == "create-user") {
    for (const iam::User& user : *after.users) {
      if (user.name == flags.user_name)
        std::cout << PrettyJson(boost::json::object{{"User", UserJson(user, *account)}});
    }
    std::cout << std::endl;
  } else if (action == "list-users") {
    boost::json::array users;
    for (const iam::User& user : *after.users) users.push_back(UserJson(user, *account));
    std::cout << PrettyJson(boost::json::object{{"Users", std::move(users)}}) << std::endl;
  } else if (action == "create-access-key") {
    // The new key is the one that was not there before; its secret is shown here only.
    for (const auth::Credential& key : after.keys) {
      bool known = std::any_of(before.begin(), before.end(),
                               [&](const auth::Credential& old) { return old.access_key_id == key.access_key_id; });
      if (!known) std::cout << auth::CreateAccessKeyJson(key) << std::endl;
    }
  }
  return 0;
}

}  // namespace

void AddIamCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<IamFlags>();
  CLI::App* iam_app = app.add_subcommand(
      "iam", "Manage users, access keys and inline policies (DATA_DIR/credentials.json), as `aws iam` does");
  iam_app->require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& description, bool user, bool policy) {
    CLI::App* sub = iam_app->add_subcommand(name, description);
    sub->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)")->envname("JOBSTREAM_DATA_DIR");
    if (user) sub->add_option("--user-name", flags->user_name, "The user")->required();
    if (policy) {
      sub->add_option("--policy-name", flags->policy_name, "The inline policy's name")->required();
      sub->add_option("--policy-document", flags->policy_document, "The policy, IAM's JSON grammar")->required();
    }
    sub->callback([flags, name, &exit_code] { exit_code = Run(*flags, name); });
  };
  add("create-user", "Create a user (no rights until a policy gives some)", true, false);
  add("list-users", "List the users", false, false);
  add("delete-user", "Delete a user without keys or policies", true, false);
  add("create-access-key", "Create an access key for a user; prints it once, as `aws iam create-access-key`", true,
      false);
  add("put-user-policy", "Add or replace an inline policy of a user", true, true);
}

}  // namespace jobstream::cli
