#include "api/job_listing.h"

#include <gtest/gtest.h>

namespace jobstream::api {
namespace {

TEST(JobListingQueryTest, DefaultsAreEveryJobFromTheNewestAHundredAtATime) {
  auto query = ParseListJobsQuery("");
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->status, "");
  EXPECT_EQ(query->before_id, "");
  EXPECT_EQ(query->limit, kDefaultListLimit);
}

TEST(JobListingQueryTest, StatusLimitAndCursorAreReadInAnyOrder) {
  const std::string cursor = EncodeJobCursor("Failure", "0190f1a2-0000-7000-8000-000000000001");
  auto query = ParseListJobsQuery("cursor=" + cursor + "&limit=1000&status=Failure");
  ASSERT_TRUE(query.ok()) << query.error().message();
  EXPECT_EQ(query->status, "Failure");
  EXPECT_EQ(query->limit, 1000u);
  EXPECT_EQ(query->before_id, "0190f1a2-0000-7000-8000-000000000001");
  // A presigned request's own parameters are the verifier's, not the listing's.
  EXPECT_TRUE(ParseListJobsQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&x-amz-date=20260101T000000Z&limit=1").ok());
}

TEST(JobListingQueryTest, EveryStatusAJobCanHaveIsAcceptedAndNothingElse) {
  for (const char* status : {"Pending", "Running", "Success", "Failure", "Filtered"}) {
    EXPECT_TRUE(ParseListJobsQuery(std::string("status=") + status).ok()) << status;
  }
  for (const char* status : {"failure", "FAILURE", "Failed", "Failure ", "%46ailure%00"}) {
    auto query = ParseListJobsQuery(std::string("status=") + status);
    ASSERT_FALSE(query.ok()) << status;
    EXPECT_EQ(query.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(query.error().message().find("status"), std::string::npos);
  }
  EXPECT_TRUE(ParseListJobsQuery("status=%46ailure").ok()) << "percent-decoded as the signature is";
}

TEST(JobListingQueryTest, LimitIsAPlainIntegerFromOneToAThousand) {
  EXPECT_EQ(ParseListJobsQuery("limit=1")->limit, 1u);
  for (const char* limit : {"0", "1001", "", "+5", "-1", "1e2", "5 ", "99999999999999999999999", "0x10"}) {
    auto query = ParseListJobsQuery(std::string("limit=") + limit);
    ASSERT_FALSE(query.ok()) << limit;
    EXPECT_NE(query.error().message().find("limit"), std::string::npos);
  }
}

TEST(JobListingQueryTest, UnknownOrRepeatedParametersAreRefusedByName) {
  auto unknown = ParseListJobsQuery("limit=5&offset=10");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("'offset'"), std::string::npos);
  auto repeated = ParseListJobsQuery("status=Failure&status=Success");
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.error().message().find("'status'"), std::string::npos);
}

TEST(JobCursorTest, RoundTripsAnyIdUnderTheStatusItWasIssuedFor) {
  for (std::string id : {std::string("a"), std::string("0190f1a2-0000-7000-8000-000000000001"), std::string("ab"),
                         std::string("abc"), std::string("with\nnewline & ?=%"), std::string(2048, 'x')}) {
    for (std::string status : {"", "Failure"}) {
      std::string cursor = EncodeJobCursor(status, id);
      EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                std::string::npos)
          << "safe in a query string as it is: " << cursor;
      auto decoded = DecodeJobCursor(cursor, status);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message();
      EXPECT_EQ(*decoded, id);
    }
  }
}

TEST(JobCursorTest, GarbageOrAnotherListingsCursorIsRefusedNamingTheCursor) {
  const std::string cursor = EncodeJobCursor("Failure", "0190f1a2-0000-7000-8000-000000000001");
  for (std::string bad : {std::string(""), std::string("garbage"), std::string("!!!!"), cursor + "A",
                          cursor.substr(0, cursor.size() - 1), cursor + "=", EncodeJobCursor("Failure", ""),
                          EncodeJobCursor("Failure", std::string(2049, 'x')), std::string("ajEKRmFpbHVyZQ"),
                          // The format without its checksum: j1\nFailure\nx
                          std::string("ajEKRmFpbHVyZQp4")}) {
    auto decoded = DecodeJobCursor(bad, "Failure");
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.error().message().find("cursor"), std::string::npos);
  }
  EXPECT_FALSE(DecodeJobCursor(cursor, "Success").ok());
  EXPECT_FALSE(DecodeJobCursor(cursor, "").ok());
  EXPECT_FALSE(DecodeJobCursor(EncodeJobCursor("", "x"), "Failure").ok());
}

}  // namespace
}  // namespace jobstream::api
