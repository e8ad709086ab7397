#include "common/uuid.h"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace jobstream {
namespace {

class RandomBuffer {
 public:
  void Take(std::uint8_t* out, std::size_t n) {
    if (position_ + n > buffer_.size()) Refill();
    // flawfinder: ignore (n is at most 16, and Refill() leaves position_ + n within buffer_)
    std::memcpy(out, buffer_.data() + position_, n);
    position_ += n;
  }

 private:
  void Refill() {
    std::size_t filled = 0;
    while (filled < buffer_.size()) {
      ssize_t got = getrandom(buffer_.data() + filled, buffer_.size() - filled, 0);
      if (got < 0) throw std::runtime_error("getrandom failed");  // no entropy: cannot go on
      filled += static_cast<std::size_t>(got);
    }
    position_ = 0;
  }

  std::array<std::uint8_t, 4096> buffer_{};
  std::size_t position_ = 4096;
};

}  // namespace

namespace {

std::string Format(std::uint8_t (&bytes)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(36, '-');
  std::size_t out = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++out;
    text[out++] = kHex[bytes[i] >> 4];
    text[out++] = kHex[bytes[i] & 0x0F];
  }
  return text;
}

}  // namespace

std::string NewUuid() {
  thread_local RandomBuffer entropy;
  std::uint8_t bytes[16];
  entropy.Take(bytes, sizeof bytes);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return Format(bytes);
}

std::string NewTimeOrderedUuid(std::chrono::system_clock::time_point now) {
  thread_local RandomBuffer entropy;
  std::uint8_t bytes[16];
  entropy.Take(bytes, sizeof bytes);
  auto millis =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  // 48-bit big-endian milliseconds first.
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x70);  // version 7
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant
  return Format(bytes);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace jobstream
