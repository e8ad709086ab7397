// The TOML configuration (config/serve_config.h): toml++'s parser, then jobstream's reading of
// every section and key over the defaults, and the range checks (which also parse each consumer's
// filter patterns). Input: a configuration file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/serve_config.h"
#include "request_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  auto config = config::LoadTomlText(fuzz::AsText(data, size), config::ServeConfig{});
  if (config.ok()) {
    (void)config->Validate();
    (void)config::ParseListenAddress(config->listen);
  }
  return 0;
}
