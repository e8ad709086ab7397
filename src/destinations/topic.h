// Topics: SNS's publish/subscribe as the failure path uses it. A consumer's on-failure record is
// published to its topic, and every subscribed function is invoked asynchronously with the event
// SNS gives Lambda:
//
//   {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn",
//                 "Sns": {"Type": "Notification", "MessageId", "TopicArn", "Subject": null,
//                         "Message": <the message as text>, "Timestamp", "SignatureVersion",
//                         "Signature", "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"}}]}
//
// Messages are not signed: nothing leaves the process, so there is no certificate to check
// against; the signature fields are present and empty.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/aws_account.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/status.h"

namespace jobstream::destinations {

struct TopicConfig {
  std::string name;
  std::vector<std::string> subscribers;  // function names

  // SNS's topic name rule (1 to 256 of letters, digits, '-', '_') and at least one subscriber.
  Status Validate() const;
};

// arn:aws:sns:<region>:<account>:<topic>
std::string TopicArn(const AwsAccount& account, std::string_view topic);
// The topic's ARN and a UUID fixed by the topic and the function, so a subscription keeps its
// ARN across restarts.
std::string SubscriptionArn(const AwsAccount& account, std::string_view topic, std::string_view function);

// One record of SNS's Lambda event: a notification of `message` on `topic` for `function`.
std::string SnsEventRecord(const AwsAccount& account, std::string_view topic, std::string_view function,
                           std::string_view message_id, std::string_view message, SystemTime time);

// A destination as configured: "topic:<name>" or "bus:<name>".
struct Destination {
  enum class Kind { kNone, kTopic, kBus };
  Kind kind = Kind::kNone;
  std::string name;
};
// "" is no destination; anything else must be one of the two forms (the message says so).
Result<Destination> ParseDestination(std::string_view text);

}  // namespace jobstream::destinations
