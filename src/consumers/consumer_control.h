// What the API may see and change of the running consumers (GET/PUT /consumers): an interface,
// so the API does not depend on how consumers run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobstream::consumers {

struct ConsumerView {
  std::string name;
  std::string function;
  bool enabled = true;
};

// Thread-safe.
class ConsumerControl {
 public:
  virtual ~ConsumerControl() = default;
  virtual std::vector<ConsumerView> List() const = 0;
  // Pauses or resumes a consumer; nullopt when there is none of that name.
  virtual std::optional<ConsumerView> SetEnabled(std::string_view name, bool enabled) = 0;
};

}  // namespace jobstream::consumers
