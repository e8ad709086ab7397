#include "auth/key_last_use.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/private_file.h"

namespace jobstream::auth {
namespace {

// The longest service or region name read back (AWS's are far shorter).
constexpr std::size_t kMaxNameLength = 64;

Status Corrupt(const std::string& why) {
  return Status::Corruption(std::string(KeyLastUse::kFileName) + " is not a record of key use: " + why);
}

}  // namespace

std::string KeyLastUseJson(const std::map<std::string, KeyLastUseEntry, std::less<>>& entries) {
  boost::json::object root;
  for (const auto& [key, entry] : entries) {
    root[key] = boost::json::object{
        {"LastUsedDate", FormatIso8601(entry.date)}, {"ServiceName", entry.service}, {"Region", entry.region}};
  }
  return boost::json::serialize(root);
}

Result<std::map<std::string, KeyLastUseEntry, std::less<>>> ParseKeyLastUseJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  if (ec || !root.is_object()) return Corrupt("not a JSON object");
  std::map<std::string, KeyLastUseEntry, std::less<>> entries;
  for (const auto& [key, value] : root.get_object()) {
    const boost::json::object* fields = value.if_object();
    auto text_of = [fields](std::string_view name) -> const boost::json::string* {
      const boost::json::value* field = fields != nullptr ? fields->if_contains(name) : nullptr;
      const boost::json::string* string = field != nullptr ? field->if_string() : nullptr;
      return string != nullptr && string->size() <= kMaxNameLength ? string : nullptr;
    };
    const auto* date = text_of("LastUsedDate");
    const auto* service = text_of("ServiceName");
    const auto* region = text_of("Region");
    std::optional<SystemTime> when = date != nullptr ? ParseIso8601(*date) : std::nullopt;
    if (!when || service == nullptr || region == nullptr) return Corrupt("the entry of " + std::string(key));
    entries.emplace(std::string(key), KeyLastUseEntry{*when, std::string(*service), std::string(*region)});
  }
  return entries;
}

Result<std::unique_ptr<KeyLastUse>> KeyLastUse::Load(const std::filesystem::path& data_dir) {
  auto tracker = std::make_unique<KeyLastUse>();
  tracker->file_ = data_dir / kFileName;
  auto text = ReadSmallFile(tracker->file_, kMaxFileBytes);
  if (!text.ok()) {
    if (text.error().code() == StatusCode::kNotFound) return tracker;
    return Status::IOError("cannot read " + tracker->file_.string() + ": " + text.error().message());
  }
  auto entries = ParseKeyLastUseJson(*text);
  if (!entries.ok()) return Status::Corruption(tracker->file_.string() + ": " + entries.error().message());
  MutexLock lock(tracker->mutex_);
  tracker->entries_ = std::move(entries).value();
  return tracker;
}

void KeyLastUse::Record(std::string_view access_key_id, SystemTime now, std::string_view service,
                        std::string_view region) {
  const SystemTime second = std::chrono::floor<std::chrono::seconds>(now);
  MutexLock lock(mutex_);
  auto found = entries_.find(access_key_id);
  if (found == entries_.end()) {
    entries_.emplace(std::string(access_key_id), KeyLastUseEntry{second, std::string(service), std::string(region)});
    changed_ = true;
    return;
  }
  KeyLastUseEntry& entry = found->second;
  // Within the same second nothing changes but the rare switch of service or region: no
  // allocation, no write, on the common path.
  if (second > entry.date) {
    entry.date = second;
    changed_ = true;
  }
  if (entry.service != service || entry.region != region) {
    entry.service.assign(service);
    entry.region.assign(region);
    changed_ = true;
  }
}

std::optional<KeyLastUseEntry> KeyLastUse::Find(std::string_view access_key_id) const {
  MutexLock lock(mutex_);
  auto found = entries_.find(access_key_id);
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

Status KeyLastUse::SaveIfChanged() {
  std::string text;
  {
    MutexLock lock(mutex_);
    if (!changed_ || file_.empty()) return Status::Ok();
    text = KeyLastUseJson(entries_);
    changed_ = false;
  }
  // Written outside the lock: requests keep being recorded meanwhile. A failed write marks the
  // record changed again so that the next save retries it.
  Status written = WritePrivateFileAtomically(file_, text);
  if (!written.ok()) {
    MutexLock lock(mutex_);
    changed_ = true;
  }
  return written;
}

}  // namespace jobstream::auth
