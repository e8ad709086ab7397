// jobstream-bench: load generator for jobstream. See `jobstream-bench --help` and bench/README.md.
#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/url/parse.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "auth/key_file.h"
#include "bench_options.h"
#include "report.h"
#include "request_signer.h"
#include "scenarios.h"
#include "spawned_server.h"

namespace jobstream::bench {
namespace {

constexpr int kExitErrorRate = 1;
constexpr int kExitSetup = 2;

struct Endpoint {
  boost::asio::ip::tcp::endpoint address;
  std::string host_header;  // as an SDK sends it: host[:port] from the URL
};

Result<Endpoint> ResolveUrl(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
    return Status::InvalidArgument(fmt::format("--url '{}' is not an http://HOST:PORT address", url));
  }
  std::string host(parsed->host_name().empty() ? parsed->host() : parsed->host_name());
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) {
    return Status::Unavailable(fmt::format("cannot resolve {}: {}", host, ec.message()));
  }
  std::string host_header = parsed->has_port() ? fmt::format("{}:{}", std::string(parsed->encoded_host()), port)
                                               : std::string(parsed->encoded_host());
  return Endpoint{results.begin()->endpoint(), host_header};
}

Result<auth::SigningCredentials> CredentialsFromOptions(const BenchOptions& options) {
  if (!options.access_key_id.empty() || !options.secret_access_key.empty()) {
    if (options.access_key_id.empty() || options.secret_access_key.empty()) {
      return Status::InvalidArgument("--access-key-id and --secret-access-key go together");
    }
    return auth::SigningCredentials{options.access_key_id, options.secret_access_key, ""};
  }
  std::string data_dir = options.data_dir.empty() ? "./data" : options.data_dir;
  if (!std::filesystem::exists(std::filesystem::path(data_dir) / auth::KeyFile::kFileName)) {
    return Status::InvalidArgument(
        fmt::format("no credentials: give --access-key-id/--secret-access-key, --data-dir, or --spawn ({} has no {})",
                    data_dir, auth::KeyFile::kFileName));
  }
  auto keys = auth::KeyFile::Open(data_dir);
  if (!keys.ok()) return keys.error();
  auto list = (*keys)->List();
  if (list.empty()) return Status::NotFound(fmt::format("{} holds no access key", data_dir));
  return auth::SigningCredentials{list.front().access_key_id, list.front().secret_access_key, ""};
}

int Run(const BenchOptions& options) {
  RunReport report;
  report.threads = options.threads;
  report.max_error_rate = options.max_error_rate;
  report.server_pid = options.server_pid;
  auto fail = [](const Status& status) {
    std::cerr << "jobstream-bench: " << status.message() << "\n";
    return kExitSetup;
  };

  std::unique_ptr<SpawnedServer> spawned;
  std::string url = options.url;
  auth::SigningCredentials credentials;
  pid_t server_pid = options.server_pid;
  if (!options.spawn.empty()) {
    SpawnOptions spawn;
    spawn.binary = options.spawn;
    if (!options.config.empty()) spawn.config = options.config;
    spawn.parent_dir =
        options.spawn_dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(options.spawn_dir);
    spawn.keep_data = options.keep_data;
    auto started = SpawnedServer::Start(spawn);
    if (!started.ok()) return fail(started.error());
    spawned = std::move(started).value();
    url = spawned->url();
    credentials = spawned->credentials();
    server_pid = spawned->pid();
    report.server_pid = server_pid;
    report.target = fmt::format("spawned `{} serve` at {}{} (pid {}, data in {} on {})", options.spawn, url,
                                options.config.empty() ? "" : " --config " + options.config, server_pid,
                                spawned->data_dir().string(), spawned->filesystem());
    if (spawned->filesystem() == "tmpfs") {
      report.notes.emplace_back("warning: the data directory is on tmpfs, where fsync costs nothing");
    }
    std::cerr << "jobstream-bench: " << report.target << "\n";
  } else {
    auto found = CredentialsFromOptions(options);
    if (!found.ok()) return fail(found.error());
    credentials = *found;
    report.target = fmt::format("{}{}", url, server_pid > 0 ? fmt::format(" (pid {})", server_pid) : "");
  }

  auto endpoint = ResolveUrl(url);
  if (!endpoint.ok()) return fail(endpoint.error());
  auth::SignerOptions signer_options;
  signer_options.region = options.region;
  signer_options.service = options.service;
  RequestSigner signer(credentials, endpoint->host_header, signer_options);
  ScenarioContext context{options, Target{endpoint->address, &signer}, server_pid};

  for (const auto& name : options.scenarios) {
    std::cerr << fmt::format("jobstream-bench: running {}…\n", name);
    auto scenario = RunScenario(name, context);
    if (!scenario.ok()) return fail(scenario.error());
    report.scenarios.push_back(std::move(scenario).value());
  }

  const ScenarioReport* submit = nullptr;
  const ScenarioReport* ceiling = nullptr;
  for (const auto& scenario : report.scenarios) {
    if (scenario.name == "submit" && !scenario.rows.empty()) submit = &scenario;
    if (scenario.name == "ceiling" && !scenario.rows.empty()) ceiling = &scenario;
  }
  if (submit && ceiling && ceiling->rows.front().per_second > 0) {
    report.notes.push_back(fmt::format("submit / ceiling (same client, same run): {:.0f}%",
                                       100 * submit->rows.front().per_second / ceiling->rows.front().per_second));
  }
  if (spawned) report.notes.push_back("server stopped with SIGTERM: " + spawned->Stop());

  PrintReport(report, std::cout);
  if (!options.json.empty()) {
    std::ofstream json(options.json);
    json << ReportJson(report);
    if (!json) return fail(Status::IOError("cannot write " + options.json));
  }
  return report.passed() ? 0 : kExitErrorRate;
}

}  // namespace
}  // namespace jobstream::bench

int main(int argc, char** argv) {
  jobstream::bench::BenchOptions options;
  int exit_code = jobstream::bench::ParseOptions(argc, argv, options);
  if (exit_code >= 0) return exit_code;
  try {
    return jobstream::bench::Run(options);
  } catch (const std::exception& error) {
    std::cerr << "jobstream-bench: " << error.what() << "\n";
    return 2;
  }
}
