// Random (version 4) UUIDs for job ids and stream event ids.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace jobstream {

// A new random UUID v4 in canonical lowercase form. Thread-safe; draws from a per-thread buffer
// refilled by getrandom() so an id costs ~0.1 µs rather than a syscall.
std::string NewUuid();

// A new UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made close in
// time sort close together, so a B-tree index on them grows at its end instead of touching a
// random page per insert. Used for job ids.
std::string NewTimeOrderedUuid(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// True when text is a canonical UUID (8-4-4-4-12 hex digits, any case).
bool IsUuid(std::string_view text);

}  // namespace jobstream
