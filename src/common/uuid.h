// Random (version 4) UUIDs for job ids and stream event ids.
#pragma once

#include <string>
#include <string_view>

namespace jobstream {

// A new random UUID v4 in canonical lowercase form. Thread-safe; draws from a per-thread buffer
// refilled by getrandom() so an id costs ~0.1 µs rather than a syscall.
std::string NewUuid();

// True when text is a canonical UUID (8-4-4-4-12 hex digits, any case).
bool IsUuid(std::string_view text);

}  // namespace jobstream
