#include "common/aws_account.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace jobstream {
namespace {

std::string DynamoDbArn(const AwsAccount& account) {
  return fmt::format("arn:aws:dynamodb:{}:{}:table/{}", account.region, account.id, account.table_name);
}

}  // namespace

std::string AwsAccount::TableArn() const { return DynamoDbArn(*this); }

std::string AwsAccount::StreamArn() const { return fmt::format("{}/stream/{}", DynamoDbArn(*this), stream_label); }

std::string AwsAccount::FunctionArn(std::string_view function_name) const {
  return fmt::format("arn:aws:lambda:{}:{}:function:{}", region, id, function_name);
}

std::string NewAccountId() {
  std::string id;
  while (id.size() < 12) {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("the system's random number generator failed");
    }
    for (unsigned char byte : bytes) {
      if (byte >= 250) continue;  // 0..249 maps evenly onto ten digits
      char digit = static_cast<char>('0' + byte % 10);
      if (id.empty() && digit == '0') continue;
      if (id.size() < 12) id.push_back(digit);
    }
  }
  return id;
}

Status ValidateAccountId(std::string_view id) {
  if (id.size() != 12 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument(fmt::format("store.account_id must be 12 decimal digits, not '{}'", id));
  }
  return Status::Ok();
}

Status ValidateTableName(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  };
  if (name.size() < 3 || name.size() > 255 || !std::all_of(name.begin(), name.end(), allowed)) {
    return Status::InvalidArgument(
        "store.table_name must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.' (DynamoDB's rule)");
  }
  return Status::Ok();
}

}  // namespace jobstream
