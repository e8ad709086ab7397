#include "auth/key_last_use.h"

#include <gtest/gtest.h>

#include <fstream>

#include "auth/sigv4_signer.h"
#include "auth/testing_credentials.h"
#include "common/private_file.h"
#include "testing/temp_dir.h"

namespace jobstream::auth {
namespace {

using std::chrono::seconds;

SystemTime At(std::int64_t unix_seconds) { return SystemTime(seconds(unix_seconds)); }

TEST(KeyLastUseTest, RecordsTheLatestSecondServiceAndRegionOfEachKey) {
  KeyLastUse last_use;
  EXPECT_FALSE(last_use.Find("AKIDA").has_value());
  last_use.Record("AKIDA", At(1000) + std::chrono::milliseconds(700), "execute-api", "us-east-1");
  last_use.Record("AKIDB", At(1001), "sts", "eu-west-1");
  auto a = last_use.Find("AKIDA");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->date, At(1000));  // whole seconds
  EXPECT_EQ(a->service, "execute-api");
  EXPECT_EQ(a->region, "us-east-1");

  last_use.Record("AKIDA", At(1005), "iam", "us-east-1");
  EXPECT_EQ(last_use.Find("AKIDA")->date, At(1005));
  EXPECT_EQ(last_use.Find("AKIDA")->service, "iam");
  // A wall clock stepped back never moves a key's last use back.
  last_use.Record("AKIDA", At(900), "iam", "us-east-1");
  EXPECT_EQ(last_use.Find("AKIDA")->date, At(1005));
  EXPECT_EQ(last_use.Find("AKIDB")->service, "sts");
}

TEST(KeyLastUseTest, SavesOnlyWhatChangedAndLoadsItBack) {
  ::jobstream::testing::TempDir dir;
  const auto file = dir.path() / KeyLastUse::kFileName;
  {
    auto last_use = KeyLastUse::Load(dir.path());
    ASSERT_TRUE(last_use.ok()) << last_use.error().message();  // no file: nothing recorded
    ASSERT_TRUE((*last_use)->SaveIfChanged().ok());
    EXPECT_FALSE(std::filesystem::exists(file));  // nothing changed: nothing written

    (*last_use)->Record("AKIDA", At(1000), "execute-api", "us-east-1");
    ASSERT_TRUE((*last_use)->SaveIfChanged().ok());
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    // Uses within the same second change nothing: no second write (the file removed here
    // would come back if there were one).
    std::filesystem::remove(file);
    (*last_use)->Record("AKIDA", At(1000) + std::chrono::milliseconds(999), "execute-api", "us-east-1");
    ASSERT_TRUE((*last_use)->SaveIfChanged().ok());
    EXPECT_FALSE(std::filesystem::exists(file));

    (*last_use)->Record("AKIDA", At(1001), "execute-api", "us-east-1");
    (*last_use)->Record("AKIDB", At(1002), "sts", "eu-west-1");
    ASSERT_TRUE((*last_use)->SaveIfChanged().ok());
  }
  auto loaded = KeyLastUse::Load(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_TRUE((*loaded)->Find("AKIDA").has_value());
  EXPECT_EQ((*loaded)->Find("AKIDA")->date, At(1001));
  EXPECT_EQ((*loaded)->Find("AKIDB")->region, "eu-west-1");
  EXPECT_EQ((*loaded)->Find("AKIDB")->service, "sts");
}

TEST(KeyLastUseTest, AFileThatIsNotARecordIsRefusedNamingIt) {
  ::jobstream::testing::TempDir dir;
  for (std::string text : {"not json", "[]", R"({"AKIDA": {"LastUsedDate": "yesterday", "ServiceName": "sts",
                                               "Region": "us-east-1"}})",
                           R"({"AKIDA": {"LastUsedDate": "2026-12-08T02:00:00.000Z", "ServiceName": 1,
                                         "Region": "us-east-1"}})"}) {
    ASSERT_TRUE(WritePrivateFileAtomically(dir.path() / KeyLastUse::kFileName, text).ok());
    auto loaded = KeyLastUse::Load(dir.path());
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_NE(loaded.error().message().find("key_last_used.json"), std::string::npos) << loaded.error().message();
  }
}

TEST(KeyLastUseTest, MemoryOnlyTrackerNeverWrites) {
  KeyLastUse last_use;
  last_use.Record("AKIDA", At(1000), "execute-api", "us-east-1");
  EXPECT_TRUE(last_use.SaveIfChanged().ok());
}

// The verifier notes a long-term key's accepted request, and neither a refused one nor one
// signed with temporary credentials.
TEST(KeyLastUseTest, VerifierRecordsLongTermKeysThatVerify) {
  testing::MemoryCredentialStore keys;
  keys.Add(Credential{"tester", "AKIDTEST", "secret/key", true, "2026-01-01T00:00:00Z"});
  testing::FixedSessionTokens tokens;
  tokens.Add("token", Credential{"tester", "ASIATEST", "temporary/secret", true, ""});
  VerifierOptions options;
  options.region = "eu-west-1";
  options.other_services = {"sts"};
  SigV4Verifier verifier(options, keys, &tokens);
  KeyLastUse last_use;
  verifier.TrackLastUse(&last_use);

  auto verify = [&](std::string key_id, std::string secret, std::string token, std::string service, SystemTime now) {
    RequestToSign to_sign{"GET", "/jobs", {{"Host", "localhost"}}, ""};
    SignerOptions signer;
    signer.region = "eu-west-1";
    signer.service = service;
    auto signature = SignRequest(to_sign, {key_id, secret, token}, signer, now);
    EXPECT_TRUE(signature.ok());
    SignedRequestView view{"GET", "/jobs", {{"Host", "localhost"}}, ""};
    for (const auto& [name, value] : signature->headers_to_add) view.headers.emplace_back(name, value);
    return verifier.Verify(view, now).ok();
  };
  const SystemTime now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  EXPECT_FALSE(verify("AKIDTEST", "wrong", "", "execute-api", now));
  EXPECT_FALSE(last_use.Find("AKIDTEST").has_value());
  EXPECT_TRUE(verify("AKIDTEST", "secret/key", "", "sts", now));
  ASSERT_TRUE(last_use.Find("AKIDTEST").has_value());
  EXPECT_EQ(last_use.Find("AKIDTEST")->service, "sts");
  EXPECT_EQ(last_use.Find("AKIDTEST")->region, "eu-west-1");
  EXPECT_EQ(last_use.Find("AKIDTEST")->date, now);
  EXPECT_TRUE(verify("ASIATEST", "temporary/secret", "token", "execute-api", now + seconds(1)));
  EXPECT_FALSE(last_use.Find("ASIATEST").has_value());
  EXPECT_EQ(last_use.Find("AKIDTEST")->service, "sts");
}

}  // namespace
}  // namespace jobstream::auth
