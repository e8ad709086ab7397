// The AWS account a data directory stands for, and the ARNs jobstream shows.
//
// A data directory gets a 12-digit account id and a table name when it is created, fixed
// afterwards like its shard count (the store keeps them, see store/sqlite_job_store.h). Every ARN
// jobstream shows is built here from them, so the stream's eventSourceARN, function ARNs and,
// later, IAM users, roles, topics and buses all name the same account.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace jobstream {

struct AwsAccount {
  std::string region = "us-east-1";
  std::string id = "000000000000";  // 12 digits
  std::string table_name = "jobs";
  // DynamoDB's StreamLabel: when the stream was enabled (the data directory was created), as
  // "2026-12-07T03:45:12.123" in UTC.
  std::string stream_label = "1970-01-01T00:00:00.000";

  // arn:aws:dynamodb:<region>:<account>:table/<table>
  std::string TableArn() const;
  // arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>
  std::string StreamArn() const;
  // arn:aws:lambda:<region>:<account>:function:<name>
  std::string FunctionArn(std::string_view function_name) const;
};

// A fresh account id: 12 random decimal digits, not starting with 0.
std::string NewAccountId();
// Checks an account id (12 decimal digits) and a table name (DynamoDB's rule: 3 to 255 of
// a-z, A-Z, 0-9, '_', '-', '.'); the message names the setting.
Status ValidateAccountId(std::string_view id);
Status ValidateTableName(std::string_view name);

}  // namespace jobstream
