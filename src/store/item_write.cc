#include "store/item_write.h"

#include <charconv>

#include "store/job.h"

namespace jobstream::store {

Result<std::int64_t> ItemVersion(const boost::json::object& item) {
  const boost::json::value* attribute = item.if_contains(kVersionAttribute);
  const boost::json::object* typed = attribute != nullptr ? attribute->if_object() : nullptr;
  const boost::json::value* number = typed != nullptr && typed->size() == 1 ? typed->if_contains("N") : nullptr;
  if (number == nullptr || !number->is_string()) return Status::InvalidArgument(std::string(kVersionRule));
  const boost::json::string& text = number->get_string();
  std::int64_t version = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(kVersionRule));
  }
  return version;
}

}  // namespace jobstream::store
