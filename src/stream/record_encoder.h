// The one encoder of a table's stream records: the account, region, table and view type that
// every record of one stream shares, applied the same way to what the store appends and to the
// records consumers' filters judge before a job is written (their initial states).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string_view>

#include "common/aws_account.h"
#include "common/clock.h"
#include "stream/stream_record.h"

namespace jobstream::stream {

// Immutable after construction; thread-safe.
class RecordEncoder {
 public:
  RecordEncoder(AwsAccount account, StreamViewType view_type) : account_(std::move(account)), view_type_(view_type) {}

  // A change to item `job_id` as text with a SequenceNumber to be stamped (StampSequenceNumber):
  // `new_item` is the item written (typed JSON text; empty for REMOVE), `old_item` the item
  // before (empty for INSERT, and not needed unless CarriesOldImage). SizeBytes is the item's size.
  EncodedRecord Encode(EventName event_name, std::string_view job_id, SystemTime created_at, std::string_view new_item,
                       std::string_view old_item = {}) const;
  // The same record as a JSON object, for a filter to judge before anything is written.
  boost::json::object Build(EventName event_name, std::string_view job_id, SystemTime created_at,
                            const boost::json::object& new_image, std::size_t size_bytes) const;
  // Whether a record of `event_name` shows the item as it was (so a caller need not render it).
  bool CarriesOldImage(EventName event_name) const {
    return event_name == EventName::kRemove || view_type_ == StreamViewType::kNewAndOldImages;
  }

  const AwsAccount& account() const { return account_; }
  StreamViewType view_type() const { return view_type_; }

 private:
  AwsAccount account_;
  StreamViewType view_type_;
};

}  // namespace jobstream::stream
