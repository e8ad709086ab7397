#include "common/clock.h"

#include <gtest/gtest.h>

namespace jobstream {
namespace {

TEST(Iso8601Test, ParsesWhatItFormatsToTheMillisecond) {
  for (std::int64_t millis : {0LL, 1LL, 999LL, 1'795'000'000'123LL, 951'782'400'000LL /* 2000-02-29 */,
                              7'258'118'399'999LL /* 2199-12-31T23:59:59.999 */}) {
    SystemTime time = FromUnixMillis(millis);
    std::string text = FormatIso8601(time);
    auto parsed = ParseIso8601(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(ToUnixMillis(*parsed), millis) << text;
  }
}

TEST(Iso8601Test, KnownInstant) {
  auto parsed = ParseIso8601("2026-11-27T02:46:16.123Z");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(ToUnixMillis(*parsed), 1'795'747'576'123LL);
  EXPECT_EQ(FormatIso8601(*parsed), "2026-11-27T02:46:16.123Z");
}

TEST(Iso8601Test, RefusesAnythingButTheExactForm) {
  for (const char* text : {"", "2026-11-27T02:46:16Z", "2026-11-27T02:46:16.123", "2026-11-27 02:46:16.123Z",
                           "2026-11-27T02:46:16.123+00:00", "2026-13-27T02:46:16.123Z", "2026-02-30T02:46:16.123Z",
                           "2026-11-27T24:00:00.000Z", "2026-11-27T02:60:16.123Z", "2026-1a-27T02:46:16.123Z",
                           "+026-11-27T02:46:16.123Z", "2026-11-27T02:46:-1.123Z", "2026-11-27T02:46:16.12xZ"}) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << text;
  }
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(FromUnixMillis(1'000));
  SteadyTime steady = clock.SteadyNow();
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1'000);
  EXPECT_EQ(clock.SteadyNow(), steady);
  clock.Advance(std::chrono::seconds(90));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 91'000);
  EXPECT_EQ(clock.SteadyNow() - steady, std::chrono::seconds(90));
  clock.SetNow(FromUnixMillis(500));  // the wall clock jumps back; the monotonic one does not
  EXPECT_EQ(ToUnixMillis(clock.Now()), 500);
  EXPECT_EQ(clock.SteadyNow() - steady, std::chrono::seconds(90));
}

TEST(ClockTest, DefaultIsTheSystemClock) {
  Clock* clock = Clock::Default();
  auto before = std::chrono::system_clock::now();
  SystemTime now = clock->Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, std::chrono::system_clock::now());
  SteadyTime steady = clock->SteadyNow();
  EXPECT_LE(steady, std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace jobstream
