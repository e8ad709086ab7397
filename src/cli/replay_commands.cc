#include "cli/replay_commands.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <iostream>
#include <thread>

#include "cli/client_flags.h"
#include "common/clock.h"

namespace jobstream::cli {
namespace {

namespace json = boost::json;

struct ReplayFlags : ClientFlags {
  ReplayFlags() { service = "events"; }
  std::string name;
  std::string archive;
  std::string from;
  std::string to = "now";
  std::string description;
  std::vector<std::string> rules;
  std::string state;
  bool wait = false;
  int wait_timeout = 3600;
};

// One EventBridge operation over the server's port (JSON 1.1, X-Amz-Target AWSEvents.<operation>).
Result<ClientResponse> Call(SignedClient& client, std::string_view operation, const json::object& input) {
  return client.Send(
      "POST", "/", json::serialize(input),
      {{"X-Amz-Target", "AWSEvents." + std::string(operation)}, {"Content-Type", "application/x-amz-json-1.1"}});
}

std::optional<json::object> ObjectOf(const std::string& body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return parsed.get_object();
}

// Prints the replay as DescribeReplay answers; with `wait`, once it is over (exit 1 unless it
// COMPLETED).
int Describe(SignedClient& client, const std::string& name, bool wait, int wait_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_timeout);
  for (;;) {
    auto described = Call(client, "DescribeReplay", {{"ReplayName", name}});
    if (int code = Report(described, 200); code != kExitOk) return code;
    auto replay = ObjectOf(described->body);
    const json::value* state = replay ? replay->if_contains("State") : nullptr;
    // Both arms string_view: a json::string arm would make "" a temporary json::string.
    const std::string_view current =
        state != nullptr && state->is_string() ? std::string_view(state->get_string()) : std::string_view();
    const bool over = current == "COMPLETED" || current == "CANCELLED" || current == "FAILED";
    if (!wait || over) {
      std::cout << described->body << std::endl;
      return !wait || current == "COMPLETED" ? kExitOk : kExitJobFailed;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "jobstream replay: " << name << " still " << current << " after " << wait_timeout << " s\n";
      return kExitUnreachable;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int RunStart(ReplayFlags& flags) {
  auto from = ParseTimeFlag(flags.from);
  auto to = ParseTimeFlag(flags.to);
  if (!from || !to) {
    std::cerr << "jobstream replay start: --from and --to take epoch seconds, ISO 8601 in UTC "
                 "(2026-12-07T10:00:00Z) or now\n";
    return kExitUsage;
  }
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream replay start: " << client.error().message() << "\n";
    return kExitUsage;
  }
  // The archive's ARN and its bus (the replay's destination) as the server names them.
  auto archive = Call(**client, "DescribeArchive", {{"ArchiveName", flags.archive}});
  if (int code = Report(archive, 200); code != kExitOk) return code;
  auto described = ObjectOf(archive->body);
  auto is_text = [&described](std::string_view member) {
    const json::value* value = described ? described->if_contains(member) : nullptr;
    return value != nullptr && value->is_string();
  };
  if (!is_text("ArchiveArn") || !is_text("EventSourceArn")) {
    std::cerr << "jobstream replay start: unexpected answer: " << archive->body << "\n";
    return kExitHttpError;
  }
  const std::string bus_arn(described->at("EventSourceArn").as_string());
  if (flags.name.empty()) {
    // <archive>-<UTC time of the start>, e.g. failed-jobs-archive-20261207T101500
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    flags.name = (flags.archive + "-").substr(0, 48) + fmt::format("{:%Y%m%dT%H%M%S}", utc);
  }
  json::object destination{{"Arn", bus_arn}};
  if (!flags.rules.empty()) {
    // arn:aws:events:<region>:<account>:event-bus/<bus> → …:rule/<bus>/<rule>
    const std::size_t slash = bus_arn.find(":event-bus/");
    if (slash == std::string::npos) {
      std::cerr << "jobstream replay start: unexpected event bus ARN " << bus_arn << "\n";
      return kExitHttpError;
    }
    const std::string bus = bus_arn.substr(slash + 11);
    std::string rule_prefix = bus_arn.substr(0, slash) + ":rule/";
    if (bus != "default") rule_prefix.append(bus).append("/");
    json::array filters;
    for (const std::string& rule : flags.rules) filters.emplace_back(rule_prefix + rule);
    destination["FilterArns"] = std::move(filters);
  }
  json::object input{{"ReplayName", flags.name},
                     {"EventSourceArn", described->at("ArchiveArn")},
                     {"EventStartTime", static_cast<double>(ToUnixMillis(*from)) / 1000.0},
                     {"EventEndTime", static_cast<double>(ToUnixMillis(*to)) / 1000.0},
                     {"Destination", std::move(destination)}};
  if (!flags.description.empty()) input["Description"] = flags.description;
  auto started = Call(**client, "StartReplay", input);
  if (int code = Report(started, 200); code != kExitOk) return code;
  return Describe(**client, flags.name, flags.wait, flags.wait_timeout);
}

int RunList(ReplayFlags& flags) {
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream replay list: " << client.error().message() << "\n";
    return kExitUsage;
  }
  json::object input;
  if (!flags.state.empty()) input["State"] = flags.state;
  if (!flags.archive.empty()) {
    auto archive = Call(**client, "DescribeArchive", {{"ArchiveName", flags.archive}});
    if (int code = Report(archive, 200); code != kExitOk) return code;
    auto described = ObjectOf(archive->body);
    if (!described || !described->contains("ArchiveArn")) {
      std::cerr << "jobstream replay list: unexpected answer: " << archive->body << "\n";
      return kExitHttpError;
    }
    input["EventSourceArn"] = described->at("ArchiveArn");
  }
  json::array replays;
  for (;;) {  // every page
    auto listed = Call(**client, "ListReplays", input);
    if (int code = Report(listed, 200); code != kExitOk) return code;
    auto page = ObjectOf(listed->body);
    if (!page || !page->contains("Replays") || !page->at("Replays").is_array()) {
      std::cerr << "jobstream replay list: unexpected answer: " << listed->body << "\n";
      return kExitHttpError;
    }
    for (const json::value& replay : page->at("Replays").get_array()) replays.push_back(replay);
    const json::value* next = page->if_contains("NextToken");
    if (next == nullptr || !next->is_string()) break;
    input["NextToken"] = *next;
  }
  std::cout << json::serialize(json::object{{"Replays", std::move(replays)}}) << std::endl;
  return kExitOk;
}

int RunNamed(ReplayFlags& flags, std::string_view operation) {
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream replay: " << client.error().message() << "\n";
    return kExitUsage;
  }
  if (operation == "DescribeReplay") return Describe(**client, flags.name, flags.wait, flags.wait_timeout);
  auto answer = Call(**client, operation, {{"ReplayName", flags.name}});
  if (int code = Report(answer, 200); code != kExitOk) return code;
  std::cout << answer->body << std::endl;
  return kExitOk;
}

}  // namespace

void AddReplayCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* replay = app.add_subcommand("replay", "Replay an archive's failed events through their event bus");
  replay->require_subcommand(1);
  constexpr const char* kFooter =
      "Exit codes: 0 ok, 1 the replay ended CANCELLED or FAILED (--wait), 2 usage, 3 HTTP error (the server's "
      "EventBridge error is printed), 4 server unreachable or timeout.";

  CLI::App* start = replay->add_subcommand("start", "Start a replay (EventBridge StartReplay)");
  AddClientOptions(start, *flags);
  start->add_option("--archive", flags->archive, "The archive to replay")->required();
  start->add_option("--from", flags->from, "First event time (epoch seconds, ISO 8601 UTC, or now)")->required();
  start->add_option("--to", flags->to, "Replays events before this time (default now)");
  start->add_option("--name", flags->name, "The replay's name (default <archive>-<UTC time>)");
  start->add_option("--description", flags->description, "What the replay is for");
  start->add_option("--rule", flags->rules, "Only through this rule of the bus (repeatable; default all)");
  start->add_flag("--wait", flags->wait, "Follow the replay until it is over");
  start->add_option("--wait-timeout", flags->wait_timeout, "Seconds --wait waits at most (default 3600)")
      ->check(CLI::Range(1, 7 * 86400));
  start->footer(kFooter);
  start->callback([flags, &exit_code] { exit_code = RunStart(*flags); });

  CLI::App* list = replay->add_subcommand("list", "List replays (EventBridge ListReplays), every page");
  AddClientOptions(list, *flags);
  list->add_option("--state", flags->state, "Only replays in this state (STARTING, RUNNING, COMPLETED …)");
  list->add_option("--archive", flags->archive, "Only replays of this archive");
  list->footer(kFooter);
  list->callback([flags, &exit_code] { exit_code = RunList(*flags); });

  CLI::App* describe = replay->add_subcommand("describe", "A replay's state and progress (DescribeReplay)");
  AddClientOptions(describe, *flags);
  describe->add_option("NAME", flags->name, "The replay")->required();
  describe->add_flag("--wait", flags->wait, "Wait until the replay is over");
  describe->add_option("--wait-timeout", flags->wait_timeout, "Seconds --wait waits at most (default 3600)")
      ->check(CLI::Range(1, 7 * 86400));
  describe->footer(kFooter);
  describe->callback([flags, &exit_code] { exit_code = RunNamed(*flags, "DescribeReplay"); });

  CLI::App* cancel = replay->add_subcommand("cancel", "Cancel a STARTING or RUNNING replay (CancelReplay)");
  AddClientOptions(cancel, *flags);
  cancel->add_option("NAME", flags->name, "The replay")->required();
  cancel->footer(kFooter);
  cancel->callback([flags, &exit_code] { exit_code = RunNamed(*flags, "CancelReplay"); });
}

}  // namespace jobstream::cli
