// The key file: key shape, persistence, 0600 mode, reload of changes made by another process,
// and refusal of corrupt files.
#include "auth/key_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// True when text has exactly length characters, each in alphabet.
bool Shaped(std::string_view text, std::size_t length, std::string_view alphabet) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [alphabet](char c) {
           return alphabet.find(c) != std::string_view::npos;
         });
}

constexpr std::string_view kDigits = "0123456789";

// Captures what the default logger writes, one "level: message" line each, while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink->set_pattern("%l: %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  ~CapturedLog() { spdlog::set_default_logger(previous_); }

  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(stream_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::temp_directory_path() / ("jobstream-key-file-" + std::to_string(::getpid()) + "-" + info->name()) / "data";
    fs::remove_all(dir_.parent_path());
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }

  // Opens as `serve` and `keys create` do (creating the directory if missing).
  std::unique_ptr<KeyFile> OpenOrDie(KeyFileOptions options = {}) {
    options.create = true;
    auto file = KeyFile::Open(dir_, options);
    EXPECT_TRUE(file.ok()) << file.error().message();
    return file.ok() ? std::move(file).value() : nullptr;
  }

  // Writes credentials.json in place, mode 0600 (what a careful hand edit leaves).
  void WriteFile(const std::string& contents) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "credentials.json", std::ios::trunc) << contents;
    fs::permissions(dir_ / "credentials.json", fs::perms::owner_read | fs::perms::owner_write);
  }

  void Chmod(mode_t mode) {
    // flawfinder: ignore (a test's own temporary directory; the race is the point of no test)
    ASSERT_EQ(::chmod((dir_ / "credentials.json").c_str(), mode), 0);
  }

  std::string ReadFile() const {
    std::ifstream in(dir_ / "credentials.json");
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }

  fs::path dir_;
};

TEST_F(KeyFileTest, OpenCreatesTheDirectoryAndStartsWithNoKeys) {
  auto file = OpenOrDie();
  ASSERT_NE(file, nullptr);
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(file->List().empty());
  EXPECT_FALSE(file->Find("AKIAANYTHING").has_value());
  EXPECT_EQ(file->path(), dir_ / "credentials.json");
}

TEST_F(KeyFileTest, OpeningToReadCreatesNothingAndSaysWhatIsMissing) {
  auto no_directory = KeyFile::Open(dir_);
  ASSERT_FALSE(no_directory.ok());
  EXPECT_EQ(no_directory.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_directory.error().message(), "data directory " + dir_.string() + " does not exist (check --data-dir)");
  EXPECT_FALSE(fs::exists(dir_));

  fs::create_directories(dir_);
  auto no_file = KeyFile::Open(dir_);
  ASSERT_FALSE(no_file.ok());
  EXPECT_EQ(no_file.error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(no_file.error().message(), (dir_ / "credentials.json").string() + " does not exist"));
  EXPECT_TRUE(Contains(no_file.error().message(), "jobstream keys create"));
  EXPECT_TRUE(fs::is_empty(dir_));

  std::ofstream(dir_.parent_path() / "a-file") << "x";
  auto not_directory = KeyFile::Open(dir_.parent_path() / "a-file");
  ASSERT_FALSE(not_directory.ok());
  EXPECT_TRUE(Contains(not_directory.error().message(), "is not a directory"));
}

TEST_F(KeyFileTest, CreatedKeyHasTheShapeOfAnIamAccessKey) {
  auto file = OpenOrDie();
  auto before = std::chrono::system_clock::now();
  auto created = file->Create("alice");
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->user_name, "alice");
  EXPECT_EQ(created->access_key_id.substr(0, 4), "AKIA");
  EXPECT_TRUE(Shaped(std::string_view(created->access_key_id).substr(4), 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
      << created->access_key_id;
  EXPECT_TRUE(
      Shaped(created->secret_access_key, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
      << "secret has the wrong shape";
  EXPECT_TRUE(created->active);
  // 2026-11-27T02:46:16Z
  const std::string& date = created->create_date;
  ASSERT_EQ(date.size(), 20u) << date;
  for (std::size_t at : {4u, 7u}) EXPECT_EQ(date[at], '-') << date;
  for (std::size_t at : {13u, 16u}) EXPECT_EQ(date[at], ':') << date;
  EXPECT_EQ(date[10], 'T');
  EXPECT_EQ(date[19], 'Z');
  for (std::size_t at : {0u, 5u, 8u, 11u, 14u, 17u}) {
    EXPECT_TRUE(Shaped(std::string_view(date).substr(at, 2), 2, kDigits)) << date;
  }
  EXPECT_GE(created->create_date, FormatIso8601(before - 1s));

  auto second = file->Create("alice");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->access_key_id, created->access_key_id);
  EXPECT_NE(second->secret_access_key, created->secret_access_key);
}

TEST_F(KeyFileTest, InvalidUserNameIsRefused) {
  auto file = OpenOrDie();
  for (const char* name : {"", "has space", "slash/y", "ünicode"}) {
    auto created = file->Create(name);
    ASSERT_FALSE(created.ok()) << name;
    EXPECT_EQ(created.error().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(file->Create(std::string(65, 'a')).ok());
  EXPECT_TRUE(file->Create(std::string(64, 'a')).ok());
  EXPECT_TRUE(file->Create("a+b=c,d.e@f_g-h").ok());
}

TEST_F(KeyFileTest, KeysSurviveReopeningInCreationOrder) {
  std::vector<Credential> created;
  {
    auto file = OpenOrDie();
    for (const char* user : {"alice", "bob", "carol"}) {
      created.push_back(file->Create(user).value());
    }
  }
  auto reopened = OpenOrDie();
  std::vector<Credential> listed = reopened->List();
  ASSERT_EQ(listed.size(), 3u);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].user_name, created[i].user_name);
    EXPECT_EQ(listed[i].access_key_id, created[i].access_key_id);
    EXPECT_EQ(listed[i].secret_access_key, created[i].secret_access_key);
    EXPECT_EQ(listed[i].create_date, created[i].create_date);
    EXPECT_TRUE(listed[i].active);
  }
  auto found = reopened->Find(created[1].access_key_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_name, "bob");
}

TEST_F(KeyFileTest, FileIsOwnerOnlyAndHoldsTheIamFields) {
  auto file = OpenOrDie();
  Credential created = file->Create("alice").value();
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "credentials.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(),
            "{\n"
            "    \"AccessKeys\": [\n"
            "        {\n"
            "            \"UserName\": \"alice\",\n"
            "            \"AccessKeyId\": \"" +
                created.access_key_id +
                "\",\n"
                "            \"Status\": \"Active\",\n"
                "            \"SecretAccessKey\": \"" +
                created.secret_access_key +
                "\",\n"
                "            \"CreateDate\": \"" +
                created.create_date +
                "\"\n"
                "        }\n"
                "    ]\n"
                "}\n");
  // Nothing is left behind by the atomic write.
  EXPECT_FALSE(fs::exists(dir_ / "credentials.json.tmp"));
}

TEST_F(KeyFileTest, RootWritingAServicesDataDirectoryLeavesTheFileToItsOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, as `sudo jobstream keys create` does";
  fs::create_directories(dir_);
  constexpr uid_t kServiceUser = 65534;  // nobody: stands in for the service's DynamicUser
  // flawfinder: ignore (the test's own fresh temporary directory: nothing can swap it under us)
  ASSERT_EQ(::chown(dir_.c_str(), kServiceUser, kServiceUser), 0);
  auto file = OpenOrDie();
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Create("admin").ok());
  struct stat file_stat {};
  ASSERT_EQ(::stat((dir_ / "credentials.json").c_str(), &file_stat), 0);
  EXPECT_EQ(file_stat.st_uid, kServiceUser);
  EXPECT_EQ(file_stat.st_mode & 0777, 0600u);
}

TEST_F(KeyFileTest, DeleteRemovesTheKeyDurablyAndUnknownKeysAreNotFound) {
  auto file = OpenOrDie();
  Credential alice = file->Create("alice").value();
  Credential bob = file->Create("bob").value();
  ASSERT_TRUE(file->Delete(alice.access_key_id).ok());
  EXPECT_FALSE(file->Find(alice.access_key_id).has_value());
  EXPECT_TRUE(file->Find(bob.access_key_id).has_value());

  Status missing = file->Delete(alice.access_key_id);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "The Access Key with id " + alice.access_key_id + " cannot be found.");

  auto reopened = OpenOrDie();
  ASSERT_EQ(reopened->List().size(), 1u);
  EXPECT_EQ(reopened->List()[0].access_key_id, bob.access_key_id);
}

TEST_F(KeyFileTest, RunningServerSeesKeysCreatedAndDeletedByAnotherProcess) {
  auto server = OpenOrDie({.reload_interval = 0ms});
  auto cli = OpenOrDie();  // stands in for `jobstream keys create`
  Credential created = cli->Create("alice").value();
  auto found = server->Find(created.access_key_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->secret_access_key, created.secret_access_key);
  ASSERT_TRUE(cli->Delete(created.access_key_id).ok());
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
}

TEST_F(KeyFileTest, ChangesOnDiskAreLookedForAtMostOncePerInterval) {
  auto server = OpenOrDie({.reload_interval = 1h});
  auto cli = OpenOrDie();
  Credential created = cli->Create("alice").value();
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());  // not looked at yet
}

TEST_F(KeyFileTest, DefaultIntervalPicksUpChangesWithinAboutASecond) {
  auto server = OpenOrDie();
  auto cli = OpenOrDie();
  Credential created = cli->Create("alice").value();
  std::this_thread::sleep_for(1100ms);
  EXPECT_TRUE(server->Find(created.access_key_id).has_value());
}

TEST_F(KeyFileTest, WritersInTwoProcessesDoNotLoseEachOthersKeys) {
  auto first = OpenOrDie({.reload_interval = 1h});
  auto second = OpenOrDie({.reload_interval = 1h});
  Credential a = first->Create("alice").value();
  Credential b = second->Create("bob").value();  // second never looked at the file since open
  auto reopened = OpenOrDie();
  EXPECT_TRUE(reopened->Find(a.access_key_id).has_value());
  EXPECT_TRUE(reopened->Find(b.access_key_id).has_value());
}

TEST_F(KeyFileTest, CorruptFileIsAnErrorThatNamesNoSecret) {
  const char* corrupt[] = {
      "{not json",
      "[]",
      R"({"AccessKeys": {}})",
      R"({"AccessKeys": [42]})",
      R"({"AccessKeys": [{"UserName": "a", "AccessKeyId": "AKIA1", "Status": "Active",
          "SecretAccessKey": "SECRETVALUE"}]})",
      R"({"AccessKeys": [{"UserName": "a", "AccessKeyId": "AKIA1", "Status": "Maybe",
          "SecretAccessKey": "SECRETVALUE", "CreateDate": "2026-11-27T02:46:16Z"}]})",
      R"({"AccessKeys": [
          {"UserName": "a", "AccessKeyId": "AKIA1", "Status": "Active",
           "SecretAccessKey": "SECRETVALUE", "CreateDate": "2026-11-27T02:46:16Z"},
          {"UserName": "b", "AccessKeyId": "AKIA1", "Status": "Active",
           "SecretAccessKey": "SECRETVALUE", "CreateDate": "2026-11-27T02:46:16Z"}]})",
  };
  for (const char* contents : corrupt) {
    WriteFile(contents);
    auto file = KeyFile::Open(dir_);
    ASSERT_FALSE(file.ok()) << contents;
    EXPECT_EQ(file.error().code(), StatusCode::kIOError);
    EXPECT_NE(file.error().message().find("corrupt"), std::string::npos);
    EXPECT_EQ(file.error().message().find("SECRETVALUE"), std::string::npos);
  }
}

TEST_F(KeyFileTest, InactiveKeysAreReadAsInactive) {
  WriteFile(R"({"AccessKeys": [{"UserName": "a", "AccessKeyId": "AKIA1", "Status": "Inactive",
                "SecretAccessKey": "s", "CreateDate": "2026-11-27T02:46:16Z"}]})");
  auto file = OpenOrDie();
  auto found = file->Find("AKIA1");
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->active);
}

TEST_F(KeyFileTest, FileBrokenWhileRunningRevokesEveryKeyLogsOnceAndRecovers) {
  CapturedLog log;
  auto server = OpenOrDie({.reload_interval = 0ms});
  Credential created = server->Create("alice").value();
  std::string good = ReadFile();
  WriteFile("{ half a fi");
  // Deny by default: a hand edit that breaks the file must not leave a key it meant to revoke.
  for (int lookup = 0; lookup < 5; ++lookup) EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  EXPECT_TRUE(server->List().empty());
  // Writers refuse to build on a corrupt file rather than silently dropping the keys in it.
  EXPECT_FALSE(server->Create("bob").ok());
  auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u) << "one line however many lookups";
  EXPECT_TRUE(lines[0].starts_with("error: " + (dir_ / "credentials.json").string() + " is corrupt")) << lines[0];
  EXPECT_TRUE(Contains(lines[0], "no access key is accepted")) << lines[0];
  EXPECT_FALSE(Contains(lines[0], created.secret_access_key));

  WriteFile("[]");  // broken differently: a new line, once
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  ASSERT_EQ(log.Lines().size(), 2u);

  WriteFile(good);
  EXPECT_TRUE(server->Find(created.access_key_id).has_value());
  lines = log.Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "info: " + (dir_ / "credentials.json").string() + " is valid again: 1 access keys in force");
}

TEST_F(KeyFileTest, FileRemovedWhileRunningMeansNoKeys) {
  CapturedLog log;
  auto server = OpenOrDie({.reload_interval = 0ms});
  Credential created = server->Create("alice").value();
  fs::remove(dir_ / "credentials.json");
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("warning: ")) << lines[0];
  EXPECT_TRUE(Contains(lines[0], "jobstream keys create")) << lines[0];
}

TEST_F(KeyFileTest, FileOthersCanAccessIsRefusedAtOpenWithTheFix) {
  WriteFile(SerializeKeyFile({{"a", "AKIA1", "SECRETVALUE", true, "2026-11-27T02:46:16Z"}}));
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602, 0620}) {
    Chmod(mode);
    auto file = KeyFile::Open(dir_);
    ASSERT_FALSE(file.ok()) << std::oct << mode;
    std::string path = (dir_ / "credentials.json").string();
    EXPECT_EQ(file.error().message(),
              fmt::format("{} holds secret keys but is accessible by group or others (mode {:04o}); run `chmod 600 {}`",
                          path, mode, path));
  }
  for (mode_t mode : {0600, 0400}) {
    Chmod(mode);
    EXPECT_TRUE(KeyFile::Open(dir_).ok()) << std::oct << mode;
  }
}

TEST_F(KeyFileTest, FileMadeReadableByOthersWhileRunningIsBrokenUntilFixed) {
  CapturedLog log;
  auto server = OpenOrDie({.reload_interval = 0ms});
  Credential created = server->Create("alice").value();
  Chmod(0644);  // a chmod changes neither size nor mtime: only the ctime and the mode tell
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  EXPECT_FALSE(server->Find(created.access_key_id).has_value());
  auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Contains(lines[0], "chmod 600")) << lines[0];
  Chmod(0600);
  EXPECT_TRUE(server->Find(created.access_key_id).has_value());
  EXPECT_EQ(log.Lines().size(), 2u);
}

TEST(CreateAccessKeyJsonTest, MatchesAwsIamCreateAccessKeyOutput) {
  Credential credential{"alice", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", true,
                        "2026-11-27T02:46:16Z"};
  EXPECT_EQ(CreateAccessKeyJson(credential),
            "{\n"
            "    \"AccessKey\": {\n"
            "        \"UserName\": \"alice\",\n"
            "        \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\",\n"
            "        \"Status\": \"Active\",\n"
            "        \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\",\n"
            "        \"CreateDate\": \"2026-11-27T02:46:16Z\"\n"
            "    }\n"
            "}");
}

TEST(KeyFileFormatTest, EmptyKeyListIsWrittenAsAnEmptyArray) {
  EXPECT_EQ(SerializeKeyFile({}), "{\n    \"AccessKeys\": []\n}\n");
  auto parsed = ParseKeyFile(SerializeKeyFile({}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

constexpr std::string_view kAccount = "123456789012";

TEST_F(KeyFileTest, KeyFileFromBeforeIdentitiesGivesEveryKeysUserFullRights) {
  WriteFile(SerializeKeyFile({{"ops", "AKIA1", "SECRETVALUE", true, "2026-11-27T02:46:16Z"}}));
  auto file = OpenOrDie({.account_id = std::string(kAccount)});
  auto user = file->FindUser("ops");
  ASSERT_TRUE(user.has_value());
  EXPECT_TRUE(user->id.starts_with("AIDA")) << user->id;
  EXPECT_EQ(user->id, file->FindUser("ops")->id) << "a synthesised user keeps its id";
  ASSERT_EQ(user->policies.size(), 1u);
  EXPECT_EQ(user->policies[0].name, "AdministratorAccess");
  EXPECT_TRUE(iam::IsAllowed({user->policies[0].policy.get()}, nullptr, {"jobstream:PutConsumer", "x", "", ""}));
  EXPECT_FALSE(file->FindUser("nobody").has_value());
  EXPECT_EQ(ReadFile(), SerializeKeyFile({{"ops", "AKIA1", "SECRETVALUE", true, "2026-11-27T02:46:16Z"}}))
      << "looking identities up writes nothing";
}

TEST_F(KeyFileTest, TheDefaultRoleMayOnlyInvokeTheJobsRoutesAndIsAssumableByTheAccount) {
  auto file = OpenOrDie({.account_id = std::string(kAccount)});
  auto role = file->FindRole("JobsAPIInvokeRole");
  ASSERT_TRUE(role.has_value());
  EXPECT_EQ(role->max_session_duration, 3600);
  std::vector<const iam::Policy*> policies;
  for (const auto& policy : role->policies) policies.push_back(policy.policy.get());
  auto invoke = [&](std::string_view method_path) {
    std::string resource = "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/" + std::string(method_path);
    return iam::IsAllowed(policies, nullptr, {"execute-api:Invoke", resource, "", ""});
  };
  EXPECT_TRUE(invoke("POST/jobs"));
  EXPECT_TRUE(invoke("GET/jobs/0190d1c2-0000-7000-8000-000000000000"));
  EXPECT_FALSE(invoke("GET/jobs")) << "listing every job is more than reading one by its id";
  EXPECT_FALSE(invoke("POST/jobs/batch"));
  EXPECT_FALSE(invoke("PUT/consumers/consumer_1"));
  EXPECT_FALSE(invoke("GET/consumers"));
  iam::AccessRequest assume{"sts:AssumeRole", "", "arn:aws:iam::123456789012:user/alice", kAccount};
  EXPECT_EQ(role->trust_policy->Evaluate(assume), iam::Decision::kAllow);
  assume.principal_arn = "arn:aws:iam::999999999999:user/alice";
  assume.account_id = "999999999999";
  EXPECT_EQ(role->trust_policy->Evaluate(assume), iam::Decision::kImplicitDeny);
  EXPECT_FALSE(OpenOrDie()->FindRole("JobsAPIInvokeRole").has_value()) << "no account, no role";
  EXPECT_FALSE(file->FindRole("OtherRole").has_value());
}

TEST_F(KeyFileTest, UsersAndRolesRoundTripThroughTheFile) {
  KeyFileContents contents;
  contents.keys.push_back({"alice", "AKIA1", "SECRETVALUE", true, "2026-11-27T02:46:16Z"});
  contents.users.emplace();
  contents.users->push_back({"alice",
                             "AIDAEXAMPLE",
                             "2026-11-27T02:46:16Z",
                             {*iam::MakeInlinePolicy("read", R"({"Statement": {"Effect": "Allow", "Action": )"
                                                             R"("execute-api:Invoke", "Resource": "*"}})")}});
  contents.roles.emplace();
  contents.roles->push_back(iam::DefaultInvokeRole(kAccount, "2026-11-27T02:46:16Z"));
  contents.roles->back().max_session_duration = 7200;
  WriteFile(SerializeKeyFileContents(contents));
  auto file = OpenOrDie();
  auto alice = file->FindUser("alice");
  ASSERT_TRUE(alice.has_value());
  ASSERT_EQ(alice->policies.size(), 1u);
  EXPECT_EQ(alice->policies[0].name, "read");
  EXPECT_FALSE(iam::IsAllowed({alice->policies[0].policy.get()}, nullptr, {"jobstream:PutConsumer", "x", "", ""}));
  EXPECT_EQ(file->FindRole("JobsAPIInvokeRole")->max_session_duration, 7200);
  // A key for a user the Users list does not hold adds the user, without rights.
  Credential bob = file->Create("bob").value();
  auto reread = ParseKeyFileContents(ReadFile());
  ASSERT_TRUE(reread.ok()) << reread.error().message();
  ASSERT_EQ(reread->users->size(), 2u);
  EXPECT_EQ(reread->users->back().name, "bob");
  EXPECT_TRUE(reread->users->back().policies.empty());
  EXPECT_EQ(reread->roles->size(), 1u);
  EXPECT_EQ(SerializeKeyFileContents(*reread), ReadFile());
}

TEST_F(KeyFileTest, AMalformedPolicyMakesTheFileCorrupt) {
  std::string text = R"({"AccessKeys": [], "Users": [{"UserName": "a", "UserId": "AIDA1", "CreateDate": "x",
      "Policies": [{"PolicyName": "p", "PolicyDocument": "{\"Statement\": []}"}]}]})";
  WriteFile(text);
  auto file = KeyFile::Open(dir_);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(Contains(file.error().message(), "user a's policy p is malformed: Syntax errors in policy."))
      << file.error().message();
}

TEST_F(KeyFileTest, AUserHoldsAtMostTwoKeys) {
  auto file = OpenOrDie();
  ASSERT_TRUE(file->Create("alice").ok());
  Credential second = file->Create("alice").value();
  auto third = file->Create("alice");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().message(), "Cannot exceed quota for AccessKeysPerUser: 2");
  EXPECT_TRUE(file->Create("bob").ok());
  ASSERT_TRUE(file->Delete(second.access_key_id).ok());
  EXPECT_TRUE(file->Create("alice").ok());
}

}  // namespace
}  // namespace jobstream::auth
