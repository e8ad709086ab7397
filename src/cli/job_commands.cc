#include "cli/job_commands.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "cli/client_flags.h"

namespace jobstream::cli {
namespace {

// The job commands' flags: the connection's, and their own.
struct JobFlags : ClientFlags {
  std::string parameters = R"({"seconds": 1})";
  std::string job_id;
  bool wait = false;
  int wait_timeout = 600;
  // jobs list, jobs rerun
  std::string status;
  int limit = 100;
  bool all = false;
  std::vector<std::string> consumers;
  std::string created_after;
  std::string created_before;
};

std::string StatusOf(const std::string& job_json) {
  boost::system::error_code ec;
  auto job = boost::json::parse(job_json, ec);
  if (ec || !job.is_object()) return "";
  const auto* status = job.as_object().if_contains("status");
  return status != nullptr && status->is_string() ? std::string(status->as_string()) : "";
}

int RunSubmit(JobFlags& flags) {
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream submit: " << client.error().message() << "\n";
    return kExitUsage;
  }
  auto submitted = (*client)->Send("POST", "/jobs", flags.parameters);
  if (int code = Report(submitted, 202); code != kExitOk) return code;
  if (!flags.wait) {
    std::cout << submitted->body << std::endl;
    return kExitOk;
  }
  boost::system::error_code ec;
  auto answer = boost::json::parse(submitted->body, ec);
  if (ec || !answer.is_object() || !answer.as_object().contains("id")) {
    std::cerr << "jobstream submit: unexpected answer: " << submitted->body << "\n";
    return kExitHttpError;
  }
  std::string path = "/jobs/" + std::string(answer.as_object().at("id").as_string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.wait_timeout);
  auto delay = std::chrono::milliseconds(20);
  for (;;) {
    auto job = (*client)->Send("GET", path, "");
    if (int code = Report(job, 200); code != kExitOk) return code;
    std::string status = StatusOf(job->body);
    // Filtered: no consumer will run it; final, and nothing failed.
    if (status == "Success" || status == "Failure" || status == "Filtered") {
      std::cout << job->body << std::endl;
      return status == "Failure" ? kExitJobFailed : kExitOk;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "jobstream submit: job still " << status << " after " << flags.wait_timeout << " s\n";
      return kExitUnreachable;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(500));
  }
}

int RunGet(JobFlags& flags) {
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream get: " << client.error().message() << "\n";
    return kExitUsage;
  }
  auto job = (*client)->Send("GET", "/jobs/" + flags.job_id, "");
  if (int code = Report(job, 200); code != kExitOk) return code;
  std::cout << job->body << std::endl;
  return kExitOk;
}

// One page of GET /jobs: its jobs' text (each as the server wrote it) and the cursor to the next.
struct ListedPage {
  std::vector<std::string> jobs;
  std::string next_cursor;  // empty on the last page
};

Result<ListedPage> ReadPage(std::string_view body) {
  boost::system::error_code ec;
  auto page = boost::json::parse(body, ec);
  const boost::json::object* object = ec ? nullptr : page.if_object();
  const boost::json::value* jobs = object != nullptr ? object->if_contains("jobs") : nullptr;
  if (jobs == nullptr || !jobs->is_array()) return Status::Internal("unexpected answer: " + std::string(body));
  ListedPage listed;
  for (const auto& job : jobs->get_array()) listed.jobs.push_back(boost::json::serialize(job));
  if (const auto* cursor = object->if_contains("nextCursor"); cursor != nullptr && cursor->is_string()) {
    listed.next_cursor = cursor->get_string();
  }
  return listed;
}

// Prints one job per line (JSON Lines), newest first; --all follows nextCursor to the end.
int RunList(JobFlags& flags) {
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream jobs list: " << client.error().message() << "\n";
    return kExitUsage;
  }
  std::string base = "/jobs?limit=" + std::to_string(flags.limit);
  // The status is one of a few words (checked by the option): nothing in it needs encoding.
  if (!flags.status.empty()) base += "&status=" + flags.status;
  std::string cursor;
  for (;;) {
    // The cursor is base64url: nothing in it needs encoding either.
    std::string target = base;
    if (!cursor.empty()) target.append("&cursor=").append(cursor);
    auto answer = (*client)->Send("GET", target, "");
    if (int code = Report(answer, 200); code != kExitOk) return code;
    auto page = ReadPage(answer->body);
    if (!page.ok()) {
      std::cerr << "jobstream jobs list: " << page.error().message() << "\n";
      return kExitHttpError;
    }
    for (const auto& job : page->jobs) std::cout << job << '\n';
    std::cout.flush();
    if (!flags.all || page->next_cursor.empty()) return kExitOk;
    cursor = std::move(page->next_cursor);
  }
}

// One job's consumers (JOB_ID), or every job of a status (and creation time range), page by page:
// prints each re-run job as {"id", "consumers"}, one per line.
int RunRerun(JobFlags& flags) {
  if (flags.job_id.empty() == flags.status.empty()) {
    std::cerr << "jobstream jobs rerun: give either a JOB_ID or --status\n";
    return kExitUsage;
  }
  boost::json::object body;
  if (!flags.consumers.empty()) {
    boost::json::array names;
    for (const std::string& name : flags.consumers) names.emplace_back(name);
    body["consumers"] = std::move(names);
  }
  std::unique_ptr<SignedClient> holder;
  auto client = MakeClient(flags, holder);
  if (!client.ok()) {
    std::cerr << "jobstream jobs rerun: " << client.error().message() << "\n";
    return kExitUsage;
  }
  if (!flags.job_id.empty()) {
    auto answer = (*client)->Send("POST", "/jobs/" + flags.job_id + "/rerun", boost::json::serialize(body));
    if (int code = Report(answer, 202); code != kExitOk) return code;
    std::cout << answer->body << std::endl;
    return kExitOk;
  }
  for (auto [flag, member] :
       {std::pair{&flags.created_after, "createdAfter"}, std::pair{&flags.created_before, "createdBefore"}}) {
    if (flag->empty()) continue;
    auto time = ParseTimeFlag(*flag);
    if (!time) {
      std::cerr << "jobstream jobs rerun: " << *flag << " is not a time (epoch seconds, ISO 8601 in UTC, or now)\n";
      return kExitUsage;
    }
    body[member] = FormatIso8601(*time);
  }
  body["status"] = flags.status;
  body["limit"] = flags.limit;
  std::int64_t examined = 0;
  std::int64_t rerun = 0;
  for (;;) {
    auto answer = (*client)->Send("POST", "/jobs/rerun", boost::json::serialize(body));
    if (int code = Report(answer, 202); code != kExitOk) return code;
    boost::system::error_code ec;
    auto page = boost::json::parse(answer->body, ec);
    const boost::json::object* object = ec ? nullptr : page.if_object();
    const boost::json::value* jobs = object != nullptr ? object->if_contains("rerun") : nullptr;
    if (jobs == nullptr || !jobs->is_array()) {
      std::cerr << "jobstream jobs rerun: unexpected answer: " << answer->body << "\n";
      return kExitHttpError;
    }
    for (const auto& job : jobs->get_array()) std::cout << boost::json::serialize(job) << '\n';
    std::cout.flush();
    rerun += static_cast<std::int64_t>(jobs->get_array().size());
    if (const auto* count = object->if_contains("examined"); count != nullptr && count->is_int64()) {
      examined += count->get_int64();
    }
    const auto* cursor = object->if_contains("nextCursor");
    if (cursor == nullptr || !cursor->is_string()) break;
    body["cursor"] = *cursor;
  }
  std::cerr << "jobstream jobs rerun: " << rerun << " of " << examined << " " << flags.status << " jobs re-run\n";
  return kExitOk;
}

// Job ids are UUIDs; anything that could change the request's path or break its line is refused
// before it is signed.
CLI::Validator JobIdValidator() {
  return CLI::Validator(
      [](const std::string& id) -> std::string {
        bool plain = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
        });
        return plain ? "" : "'" + id + "' is not a job id (a UUID, as submit prints it)";
      },
      "UUID");
}

}  // namespace

void AddJobCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<JobFlags>();
  CLI::App* submit = app.add_subcommand("submit", "Sign and POST job parameters to /jobs");
  AddClientOptions(submit, *flags);
  submit->add_option("PARAMETERS", flags->parameters, R"(Job parameters as JSON (default {"seconds": 1}))");
  submit->add_flag("--wait", flags->wait, "Follow the job until Success or Filtered (exit 0) or Failure (exit 1)");
  submit->add_option("--wait-timeout", flags->wait_timeout, "Seconds --wait waits at most (default 600)")
      ->check(CLI::Range(1, 7 * 86400));
  submit->footer("Exit codes: 0 ok, 1 job failed (--wait), 2 usage, 3 HTTP error, 4 server unreachable or timeout.");
  submit->callback([flags, &exit_code] { exit_code = RunSubmit(*flags); });

  CLI::App* get = app.add_subcommand("get", "Sign and GET /jobs/{id}");
  AddClientOptions(get, *flags);
  get->add_option("JOB_ID", flags->job_id, "The job id")->required()->check(JobIdValidator());
  get->footer("Exit codes: 0 ok, 2 usage, 3 HTTP error (404: no such job), 4 server unreachable.");
  get->callback([flags, &exit_code] { exit_code = RunGet(*flags); });

  CLI::App* jobs = app.add_subcommand("jobs", "Jobs in bulk");
  jobs->require_subcommand(1);
  CLI::App* list = jobs->add_subcommand("list", "Sign and GET /jobs: jobs newest first, one JSON object per line");
  AddClientOptions(list, *flags);
  list->add_option("--status", flags->status, "Only jobs whose overall status is this")
      ->check(CLI::IsMember({"Pending", "Running", "Success", "Failure", "Filtered"}));
  list->add_option("--limit", flags->limit, "Jobs per page (1 to 1000, default 100)")->check(CLI::Range(1, 1000));
  list->add_flag("--all", flags->all, "Follow nextCursor through every page (default: the first page only)");
  list->footer("Exit codes: 0 ok, 2 usage, 3 HTTP error, 4 server unreachable.");
  list->callback([flags, &exit_code] { exit_code = RunList(*flags); });

  CLI::App* rerun = jobs->add_subcommand(
      "rerun", "Re-run the failed (or --consumer) consumers of one job, or of every job of a --status");
  AddClientOptions(rerun, *flags);
  rerun->add_option("JOB_ID", flags->job_id, "The job (or give --status)")->check(JobIdValidator());
  rerun->add_option("--status", flags->status, "Every job whose overall status is this (e.g. Failure)")
      ->check(CLI::IsMember({"Pending", "Running", "Success", "Failure", "Filtered"}));
  rerun->add_option("--consumer", flags->consumers, "Only this consumer (repeatable; default: the failed ones)");
  rerun->add_option("--created-after", flags->created_after, "With --status: jobs created at or after this time");
  rerun->add_option("--created-before", flags->created_before, "With --status: jobs created before this time");
  rerun->add_option("--limit", flags->limit, "Jobs per request (1 to 1000, default 100)")->check(CLI::Range(1, 1000));
  rerun->footer(
      "Prints each re-run job as {\"id\", \"consumers\"}, one per line. Exit codes: 0 ok, 2 usage, 3 HTTP "
      "error, 4 server unreachable.");
  rerun->callback([flags, &exit_code] { exit_code = RunRerun(*flags); });
}

}  // namespace jobstream::cli
