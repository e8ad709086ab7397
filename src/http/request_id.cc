#include "http/request_id.h"

#include <openssl/rand.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace jobstream::http {
namespace {

constexpr std::size_t kBytesPerId = 16;
constexpr std::size_t kIdsPerRefill = 256;
constexpr char kHexDigits[] = "0123456789abcdef";

// Fills `out` from the kernel CSPRNG; falls back to OpenSSL if getrandom is unavailable.
void FillRandom(std::uint8_t* out, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got > 0) {
      filled += static_cast<std::size_t>(got);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;
  }
  if (filled == size) return;
  if (RAND_bytes(out + filled, static_cast<int>(size - filled)) != 1) {
    // No entropy source at all: ids could collide or be guessed, which we must not hide.
    std::abort();
  }
}

struct RandomPool {
  std::array<std::uint8_t, kBytesPerId * kIdsPerRefill> bytes;
  std::size_t next = bytes.size();  // empty until first use

  const std::uint8_t* Take() {
    if (next == bytes.size()) {
      FillRandom(bytes.data(), bytes.size());
      next = 0;
    }
    const std::uint8_t* taken = bytes.data() + next;
    next += kBytesPerId;
    return taken;
  }
};

}  // namespace

RequestId RequestId::Generate() {
  thread_local RandomPool pool;
  std::uint8_t raw[kBytesPerId];
  const std::uint8_t* source = pool.Take();
  for (std::size_t i = 0; i < kBytesPerId; ++i) raw[i] = source[i];
  raw[6] = static_cast<std::uint8_t>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<std::uint8_t>((raw[8] & 0x3f) | 0x80);  // RFC 4122 variant

  RequestId id;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < kBytesPerId; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.text_[pos++] = '-';
    id.text_[pos++] = kHexDigits[raw[i] >> 4];
    id.text_[pos++] = kHexDigits[raw[i] & 0x0f];
  }
  return id;
}

}  // namespace jobstream::http
