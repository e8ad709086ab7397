#include "stream/record_encoder.h"

#include <string>

namespace jobstream::stream {

EncodedRecord RecordEncoder::Encode(EventName event_name, std::string_view job_id, SystemTime created_at,
                                    std::string_view new_item, std::string_view old_item) const {
  const bool remove = event_name == EventName::kRemove;
  return EncodeRecord(RecordInput{.event_name = event_name,
                                  .job_id = std::string(job_id),
                                  .created_at = created_at,
                                  .view_type = view_type_,
                                  .account = &account_,
                                  .size_bytes = remove ? old_item.size() : new_item.size(),
                                  .new_image_json = remove ? std::string_view() : new_item,
                                  .old_image_json = CarriesOldImage(event_name) ? old_item : std::string_view()});
}

boost::json::object RecordEncoder::Build(EventName event_name, std::string_view job_id, SystemTime created_at,
                                         const boost::json::object& new_image, std::size_t size_bytes) const {
  return BuildRecord(RecordInput{.event_name = event_name,
                                 .job_id = std::string(job_id),
                                 .new_image = &new_image,
                                 .created_at = created_at,
                                 .view_type = view_type_,
                                 .account = &account_,
                                 .size_bytes = size_bytes});
}

}  // namespace jobstream::stream
