#include "api/jobs_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "api/openapi_document.h"
#include "auth/sigv4_signer.h"
#include "auth/testing_credentials.h"
#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::api {
namespace {

// Two consumers in memory, for the /consumers routes.
class FakeConsumers final : public consumers::ConsumerControl {
 public:
  std::vector<consumers::ConsumerView> List() const override { return views_; }
  std::optional<consumers::ConsumerView> SetEnabled(std::string_view name, bool enabled) override {
    for (auto& view : views_) {
      if (view.name != name) continue;
      view.enabled = enabled;
      return view;
    }
    return std::nullopt;
  }

 private:
  std::vector<consumers::ConsumerView> views_{{"consumer_1", "sleep", true}, {"consumer_2", "noop", false}};
};

class JobsApiTest : public ::testing::Test {
 protected:
  JobsApiTest() {
    credentials_.Add(auth::Credential{"tester", "AKIDTEST", "secret/key", true, "2026-01-01T00:00:00Z"});
    store::SqliteStoreOptions options;
    options.data_dir = dir_.path();
    store_ = std::move(store::SqliteJobStore::Open(options)).value();
    api_ = std::make_unique<JobsApi>(
        verifier_, *store_,
        [](const store::Job&) {
          return std::map<std::string, store::ConsumerState>{{"consumer_1", {}}};
        },
        &consumers_);
  }

  http::Response Call(std::string_view method, std::string_view target, std::string body = "", bool sign = true,
                      std::string secret = "secret/key") {
    http::Request request{boost::beast::http::string_to_verb(method), target, 11};
    request.set("Host", "localhost:8080");
    request.body() = body;
    if (sign) {
      auth::RequestToSign to_sign{method, target, {{"Host", "localhost:8080"}}, body};
      auto signature = auth::SignRequest(to_sign, {"AKIDTEST", secret, ""}, {}, std::chrono::system_clock::now());
      EXPECT_TRUE(signature.ok());
      for (const auto& [name, value] : signature->headers_to_add) request.set(name, value);
    }
    std::promise<http::Response> answered;
    api_->Handle(request, [&answered](http::Response response) { answered.set_value(std::move(response)); });
    return answered.get_future().get();
  }

  static std::string Message(const http::Response& response) {
    return std::string(boost::json::parse(response.body).at("message").as_string());
  }
  static std::string Header(const http::Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  FakeConsumers consumers_;
  testing::TempDir dir_;
  auth::testing::MemoryCredentialStore credentials_;
  auth::SigV4Verifier verifier_{auth::VerifierOptions{}, credentials_};
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<JobsApi> api_;
};

TEST_F(JobsApiTest, PostAnswers202WithLocationOnlyOnceTheJobIsStored) {
  http::Response created = Call("POST", "/jobs", R"({"seconds": 2})");
  ASSERT_EQ(created.status, 202u) << created.body;
  std::string id(boost::json::parse(created.body).at("id").as_string());
  EXPECT_EQ(Header(created, "Location"), "/jobs/" + id);
  auto stored = store_->GetJob(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->consumers.size(), 1u);

  http::Response fetched = Call("GET", "/jobs/" + id);
  ASSERT_EQ(fetched.status, 200u);
  auto job = boost::json::parse(fetched.body);
  EXPECT_EQ(job.at("status").as_string(), "Pending");
  EXPECT_EQ(job.at("parameters").at("seconds").as_int64(), 2);
  EXPECT_EQ(job.at("version").as_int64(), 0);
}

TEST_F(JobsApiTest, ReferenceStyleAnswersAsTheReferenceTemplatesRender) {
  api_->SetResponseStyle(ResponseStyle::kReference);
  http::Response created = Call("POST", "/jobs", R"({"seconds": 2})");
  ASSERT_EQ(created.status, 200u) << created.body;
  EXPECT_EQ(Header(created, "Location"), "");
  std::string id(boost::json::parse(created.body).at("id").as_string());
  EXPECT_EQ(created.body, R"({"id": ")" + id + R"("})");
  ASSERT_TRUE(store_->GetJob(id).ok());

  http::Response pending = Call("GET", "/jobs/" + id);
  EXPECT_EQ(pending.status, 200u);
  EXPECT_EQ(pending.body, "{}");
  // GetItem finds nothing for an id never issued, whatever its shape: the template renders {}.
  for (std::string unknown : {"0190a3c4-0000-7000-8000-000000000001", "not-a-job"}) {
    http::Response missing = Call("GET", "/jobs/" + unknown);
    EXPECT_EQ(missing.status, 200u) << unknown;
    EXPECT_EQ(missing.body, "{}") << unknown;
  }
}

TEST_F(JobsApiTest, JobstreamStyleIsTheDefault) {
  http::Response missing = Call("GET", "/jobs/0190a3c4-0000-7000-8000-000000000001");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(Message(missing), "Job not found");
  EXPECT_EQ(Call("GET", "/jobs/not-a-job").status, 404u);
}

TEST_F(JobsApiTest, BatchStoresEveryJobAndAnswersTheirIds) {
  http::Response created = Call("POST", "/jobs/batch", R"({"jobs": [{"seconds": 1}, {"seconds": 2}, {"seconds": 3}]})");
  ASSERT_EQ(created.status, 202u) << created.body;
  auto ids = boost::json::parse(created.body).at("ids").as_array();
  ASSERT_EQ(ids.size(), 3u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto job = store_->GetJob(ids[i].as_string());
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->attributes.at("seconds").at("N").as_string(), std::to_string(i + 1));
  }
  EXPECT_EQ(Call("POST", "/jobs/batch", R"({"jobs": [{"seconds": 0}]})").status, 400u);
}

TEST_F(JobsApiTest, UnsignedRequestsGetMissingAuthenticationTokenOnAnyPath) {
  for (const char* target : {"/jobs", "/nope", "/", "/jobs/x"}) {
    http::Response response = Call("GET", target, "", /*sign=*/false);
    EXPECT_EQ(response.status, 403u) << target;
    EXPECT_EQ(Message(response), "Missing Authentication Token");
    EXPECT_EQ(Header(response, "x-amzn-ErrorType"), "MissingAuthenticationTokenException");
  }
}

TEST_F(JobsApiTest, WrongSecretIsRejectedBeforeRouting) {
  http::Response response = Call("GET", "/nope", "", true, "wrong");
  EXPECT_EQ(response.status, 403u);
  EXPECT_EQ(Header(response, "x-amzn-ErrorType"), "InvalidSignatureException");
}

TEST_F(JobsApiTest, SignedRequestsToUnknownRoutesGet404And405) {
  EXPECT_EQ(Call("GET", "/nope").status, 404u);
  EXPECT_EQ(Call("GET", "/jobs/a/b").status, 404u);
  http::Response wrong_method = Call("DELETE", "/jobs");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(Header(wrong_method, "Allow"), "GET, POST");
  EXPECT_EQ(Header(Call("POST", "/jobs/0b0c1d2e-0000-4000-8000-000000000000"), "Allow"), "GET");
}

// The signer signs "/jobs/./x" as "/jobs/x" (RFC 3986 dot segments removed, as the AWS signers
// do), so that is the resource the request may reach, whatever its raw bytes would match.
TEST_F(JobsApiTest, RequestIsRoutedOnThePathItsSignatureCoversNeverTheRawOne) {
  http::Response created = Call("POST", "/jobs", R"({"seconds": 2})");
  ASSERT_EQ(created.status, 202u) << created.body;
  const std::string id(boost::json::parse(created.body).at("id").as_string());
  for (const std::string& raw :
       {"/jobs/./" + id, "/consumers/../jobs/" + id, "//jobs/" + id, "/jobs//" + id, "/a/b/../../jobs/" + id}) {
    http::Response fetched = Call("GET", raw);
    EXPECT_EQ(fetched.status, 200u) << raw << " " << fetched.body;
    EXPECT_NE(fetched.body.find(id), std::string::npos) << raw;
  }
  // Signed as "/": served as "/", not by the jobs route its raw bytes start with.
  http::Response root = Call("POST", "/jobs/..", R"({"seconds": 1})");
  EXPECT_EQ(root.status, 404u) << root.body;
  EXPECT_EQ(Message(root), "Not Found");
  // Signed as "/consumers": a PUT there is refused, and no consumer is paused.
  http::Response listing = Call("PUT", "/consumers/consumer_1/..", R"({"enabled": false})");
  EXPECT_EQ(listing.status, 405u) << listing.body;
  EXPECT_EQ(boost::json::parse(Call("GET", "/consumers/consumer_1").body).at("enabled"), boost::json::value(true));
  // Escapes are signed as sent and matched as sent: an id spelled with one is no id.
  const std::string escaped_first = fmt::format("%{:02X}", static_cast<unsigned char>(id[0]));
  EXPECT_EQ(Call("GET", "/jobs/" + escaped_first + id.substr(1)).status, 404u);
}

TEST_F(JobsApiTest, ListingShowsJobsNewestFirstAsGetShowsThemAndPagesByCursor) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    http::Response created = Call("POST", "/jobs", fmt::format(R"({{"seconds": {}}})", i + 1));
    ASSERT_EQ(created.status, 202u) << created.body;
    ids.insert(ids.begin(), std::string(boost::json::parse(created.body).at("id").as_string()));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // ids order by millisecond
  }
  http::Response first = Call("GET", "/jobs?limit=2");
  ASSERT_EQ(first.status, 200u) << first.body;
  auto page = boost::json::parse(first.body).as_object();
  ASSERT_EQ(page.at("jobs").as_array().size(), 2u);
  EXPECT_EQ(page.at("jobs").as_array()[0], boost::json::parse(Call("GET", "/jobs/" + ids[0]).body));
  std::vector<std::string> listed;
  std::string cursor;
  for (int pages = 1;; ++pages) {
    http::Response response = Call("GET", cursor.empty() ? "/jobs?limit=2" : "/jobs?limit=2&cursor=" + cursor);
    ASSERT_EQ(response.status, 200u) << response.body;
    auto body = boost::json::parse(response.body).as_object();
    for (const auto& job : body.at("jobs").as_array()) listed.emplace_back(job.at("id").as_string());
    if (!body.contains("nextCursor")) {
      EXPECT_EQ(pages, 3);
      break;
    }
    cursor = std::string(body.at("nextCursor").as_string());
    ASSERT_LT(pages, 3);
  }
  EXPECT_EQ(listed, ids);
  // Without a limit, all five fit in the default page; a status no job has lists none.
  EXPECT_EQ(boost::json::parse(Call("GET", "/jobs").body).at("jobs").as_array().size(), 5u);
  EXPECT_EQ(boost::json::parse(Call("GET", "/jobs?status=Pending").body).at("jobs").as_array().size(), 5u);
  EXPECT_EQ(Call("GET", "/jobs?status=Failure").body, R"({"jobs":[]})");
}

TEST_F(JobsApiTest, ListingRefusesBadParametersWith400NamingThem) {
  for (auto [target, named] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{{"/jobs?limit=0", "limit"},
                                                                            {"/jobs?limit=1001", "limit"},
                                                                            {"/jobs?limit=ten", "limit"},
                                                                            {"/jobs?limit=-1", "limit"},
                                                                            {"/jobs?status=failure", "status"},
                                                                            {"/jobs?status=", "status"},
                                                                            {"/jobs?cursor=garbage", "cursor"},
                                                                            {"/jobs?cursor=", "cursor"},
                                                                            {"/jobs?page=2", "page"},
                                                                            {"/jobs?limit=1&limit=2", "limit"}}) {
    http::Response response = Call("GET", target);
    EXPECT_EQ(response.status, 400u) << target << " " << response.body;
    EXPECT_NE(Message(response).find(named), std::string::npos) << target << ": " << Message(response);
  }
  // A cursor from a listing under one status does not resume another.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Call("POST", "/jobs", R"({"seconds": 1})").status, 202u);
  http::Response pending = Call("GET", "/jobs?status=Pending&limit=1");
  ASSERT_EQ(pending.status, 200u);
  const std::string cursor(boost::json::parse(pending.body).at("nextCursor").as_string());
  EXPECT_EQ(Call("GET", "/jobs?status=Pending&limit=1&cursor=" + cursor).status, 200u);
  http::Response other = Call("GET", "/jobs?status=Failure&cursor=" + cursor);
  EXPECT_EQ(other.status, 400u);
  EXPECT_NE(Message(other).find("cursor"), std::string::npos);
  EXPECT_EQ(Call("GET", "/jobs?cursor=" + cursor).status, 400u);
}

TEST_F(JobsApiTest, ListingIsSignedLikeEveryRouteQueryIncluded) {
  EXPECT_EQ(Call("GET", "/jobs?status=Failure", "", false).status, 403u);
  // A query changed after signing no longer matches its signature.
  http::Request request{boost::beast::http::verb::get, "/jobs?status=Failure", 11};
  request.set("Host", "localhost:8080");
  auth::RequestToSign to_sign{"GET", "/jobs?status=Success", {{"Host", "localhost:8080"}}, ""};
  auto signature = auth::SignRequest(to_sign, {"AKIDTEST", "secret/key", ""}, {}, std::chrono::system_clock::now());
  ASSERT_TRUE(signature.ok());
  for (const auto& [name, value] : signature->headers_to_add) request.set(name, value);
  std::promise<http::Response> answered;
  api_->Handle(request, [&answered](http::Response response) { answered.set_value(std::move(response)); });
  http::Response response = answered.get_future().get();
  EXPECT_EQ(response.status, 403u);
  EXPECT_EQ(Header(response, "x-amzn-ErrorType"), "InvalidSignatureException");
}

TEST_F(JobsApiTest, UnknownOrMalformedIdsAreJobNotFound) {
  for (const char* target : {"/jobs/0b0c1d2e-0000-4000-8000-000000000000", "/jobs/not-a-uuid", "/jobs/"}) {
    http::Response response = Call("GET", target);
    EXPECT_EQ(response.status, 404u) << target;
    EXPECT_EQ(Message(response), "Job not found");
  }
}

TEST_F(JobsApiTest, BadBodyIs400AndStoresNothing) {
  http::Response response = Call("POST", "/jobs", R"({"seconds": 0})");
  EXPECT_EQ(response.status, 400u);
  EXPECT_EQ(Message(response), "'seconds' must be an integer between 1 and 31536000");
  EXPECT_TRUE(store_->ReadStream(0, 0, 10)->empty());
}

TEST_F(JobsApiTest, StoreThatRefusesWritesAnswers503) {
  store_->Close();
  http::Response response = Call("POST", "/jobs", R"({"seconds": 1})");
  EXPECT_EQ(response.status, 503u);
  EXPECT_EQ(Message(response), "the store is shutting down");
}

TEST_F(JobsApiTest, ConsumersAreListedAndPausedAndResumedByName) {
  auto listed = Call("GET", "/consumers");
  EXPECT_EQ(listed.status, 200u);
  EXPECT_EQ(boost::json::parse(listed.body), boost::json::parse(R"({"consumers": [
      {"name": "consumer_1", "function": "sleep", "enabled": true},
      {"name": "consumer_2", "function": "noop", "enabled": false}]})"));

  auto paused = Call("PUT", "/consumers/consumer_1", R"({"enabled": false})");
  EXPECT_EQ(paused.status, 200u);
  EXPECT_EQ(boost::json::parse(paused.body),
            boost::json::parse(R"({"name": "consumer_1", "function": "sleep", "enabled": false})"));
  EXPECT_EQ(boost::json::parse(Call("GET", "/consumers/consumer_1").body).at("enabled"), boost::json::value(false));
  EXPECT_EQ(Call("PUT", "/consumers/consumer_2", R"({"enabled": true})").status, 200u);
  EXPECT_EQ(boost::json::parse(Call("GET", "/consumers/consumer_2").body).at("enabled"), boost::json::value(true));
}

TEST_F(JobsApiTest, ConsumerRoutesRejectWhatTheyCannotDo) {
  auto unknown = Call("PUT", "/consumers/nobody", R"({"enabled": true})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(Message(unknown), "Consumer not found");
  EXPECT_EQ(Call("GET", "/consumers/nobody").status, 404u);
  EXPECT_EQ(Call("GET", "/consumers/consumer_1/extra").status, 404u);
  EXPECT_EQ(Call("GET", "/consumersx").status, 404u);
  for (const char* body : {"", "not json", "[]", R"({})", R"({"enabled": "false"})", R"({"enabled": 0})",
                           R"({"enabled": true, "paused": false})"}) {
    auto rejected = Call("PUT", "/consumers/consumer_1", body);
    EXPECT_EQ(rejected.status, 400u) << body;
    EXPECT_FALSE(Message(rejected).empty());
  }
  auto post = Call("POST", "/consumers");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(Header(post, "Allow"), "GET");
  EXPECT_EQ(Header(Call("DELETE", "/consumers/consumer_1"), "Allow"), "GET, PUT");
  EXPECT_EQ(Call("GET", "/consumers", "", /*sign=*/false).status, 403u);
  EXPECT_EQ(Call("PUT", "/consumers/consumer_1", R"({"enabled": false})", true, "wrong").status, 403u);
  // Nothing above changed a consumer.
  EXPECT_EQ(boost::json::parse(Call("GET", "/consumers/consumer_1").body).at("enabled"), boost::json::value(true));
}

TEST_F(JobsApiTest, OpenApiDocumentIsServedToSignedGetsOnly) {
  http::Response served = Call("GET", "/openapi.json");
  ASSERT_EQ(served.status, 200u);
  EXPECT_EQ(served.content_type, "application/json");
  EXPECT_EQ(served.body, OpenApiDocument());
  EXPECT_EQ(Call("GET", "/openapi.json", "", /*sign=*/false).status, 403u);
  http::Response post = Call("POST", "/openapi.json", "{}");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(Header(post, "Allow"), "GET");
}

// One source of truth: the binary carries docs/openapi.json as it was at build time.
TEST(OpenApiDocument, IsDocsOpenapiJsonByteForByte) {
  std::ifstream file(JOBSTREAM_TESTDATA_DIR "/../../docs/openapi.json", std::ios::binary);
  ASSERT_TRUE(file) << "docs/openapi.json not found";
  std::ostringstream text;
  text << file.rdbuf();
  EXPECT_EQ(OpenApiDocument(), text.str());
  EXPECT_EQ(boost::json::parse(OpenApiDocument()).at("openapi").as_string().subview(0, 4), "3.1.");
}

}  // namespace
}  // namespace jobstream::api
