#include "destinations/topic.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "destinations/invocation_record.h"

namespace jobstream::destinations {

Status TopicConfig::Validate() const {
  bool valid_name = !name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!valid_name) {
    return Status::InvalidArgument(
        fmt::format("name '{}' must be 1 to 256 letters, digits, hyphens or underscores (SNS's rule)", name));
  }
  if (subscribers.empty()) return Status::InvalidArgument("subscribers must name at least one function");
  return Status::Ok();
}

std::string TopicArn(const AwsAccount& account, std::string_view topic) {
  return fmt::format("arn:aws:sns:{}:{}:{}", account.region, account.id, topic);
}

std::string SubscriptionArn(const AwsAccount& account, std::string_view topic, std::string_view function) {
  return fmt::format("{}:{}", TopicArn(account, topic),
                     StableUuid(fmt::format("{}\n{}\n{}", account.id, topic, function)));
}

std::string SnsEventRecord(const AwsAccount& account, std::string_view topic, std::string_view function,
                           std::string_view message_id, std::string_view message, SystemTime time) {
  boost::json::object record{
      {"EventSource", "aws:sns"},
      {"EventVersion", "1.0"},
      {"EventSubscriptionArn", SubscriptionArn(account, topic, function)},
      {"Sns",
       {{"Type", "Notification"},
        {"MessageId", message_id},
        {"TopicArn", TopicArn(account, topic)},
        {"Subject", nullptr},
        {"Message", message},
        {"Timestamp", FormatIso8601(time)},
        {"SignatureVersion", "1"},
        {"Signature", ""},
        {"SigningCertUrl", ""},
        {"UnsubscribeUrl", ""},
        {"MessageAttributes", boost::json::object{}}}},
  };
  return boost::json::serialize(record);
}

Result<Destination> ParseDestination(std::string_view text) {
  if (text.empty()) return Destination{};
  for (auto [prefix, kind] : {std::pair{std::string_view("topic:"), Destination::Kind::kTopic},
                              std::pair{std::string_view("bus:"), Destination::Kind::kBus}}) {
    if (text.starts_with(prefix) && text.size() > prefix.size()) {
      return Destination{kind, std::string(text.substr(prefix.size()))};
    }
  }
  return Status::InvalidArgument(fmt::format(R"('{}' is not a destination: use "topic:<name>" or "bus:<name>")", text));
}

}  // namespace jobstream::destinations
