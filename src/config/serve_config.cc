#include "config/serve_config.h"

#include <fmt/format.h>

#include <charconv>

namespace jobstream::config {

std::vector<consumers::ConsumerConfig> ServeConfig::DefaultConsumers() {
  consumers::ConsumerConfig first;
  first.name = "consumer_1";
  consumers::ConsumerConfig second = first;
  second.name = "consumer_2";
  return {first, second};
}

Status ServeConfig::Validate() const {
  if (io_threads < 1 || io_threads > 256) return Status::InvalidArgument("io_threads must be between 1 and 256");
  if (max_body_bytes < 16 || max_body_bytes > std::size_t{64} * 1024 * 1024) {
    return Status::InvalidArgument("max_body_bytes must be between 16 and 67108864");
  }
  if (max_header_bytes < 1024 || max_header_bytes > std::size_t{1024} * 1024) {
    return Status::InvalidArgument("max_header_bytes must be between 1024 and 1048576");
  }
  if (read_timeout.count() < 1 || idle_timeout.count() < 1)
    return Status::InvalidArgument("timeouts must be at least 1 second");
  if (max_connections < 1) return Status::InvalidArgument("max_connections must be at least 1");
  if (region.empty() || service.empty()) return Status::InvalidArgument("region and service must not be empty");
  if (max_clock_skew.count() < 1) return Status::InvalidArgument("max_clock_skew must be at least 1 second");
  if (shards < 1 || shards > 1024) return Status::InvalidArgument("shards must be between 1 and 1024");
  if (stream_retention.count() < 1) return Status::InvalidArgument("stream_retention must be at least 1 hour");
  if (max_size_mb > std::uint64_t{1} << 32) return Status::InvalidArgument("max_size_mb must be at most 4294967296");
  if (group_commit_max_batch < 1 || group_commit_max_batch > 100000) {
    return Status::InvalidArgument("group_commit_max_batch must be between 1 and 100000");
  }
  if (auto address = ParseListenAddress(listen); !address.ok()) return address.error();
  for (const auto& consumer : consumers) {
    if (Status status = consumer.Validate(); !status.ok()) return status;
  }
  if (Status status = functions::ValidateFunctions(functions); !status.ok()) return status;
  return Status::Ok();
}

Result<std::pair<std::string, std::uint16_t>> ParseListenAddress(std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("listen address '{}' is not HOST:PORT", listen));
  }
  std::string_view host = listen.substr(0, colon);
  std::string_view port_text = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Status::InvalidArgument(fmt::format("listen address '{}' has an invalid port", listen));
  }
  return std::pair<std::string, std::uint16_t>{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace jobstream::config
