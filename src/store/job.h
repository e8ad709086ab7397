// The job item: what POST /jobs creates, consumers update, and GET /jobs/{id} shows.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/result.h"

namespace jobstream::store {

// The deepest JSON nesting a stored item may have. Items are kept in DynamoDB's typed JSON, where
// each map or list level is two JSON levels: the API's parameters (32 levels, see
// api::kMaxBodyDepth) sit at the top of the item, a consumer's results (32 levels) three maps
// down (job_status, the consumer's entry, results). An item that still cannot be read is
// kCorruption, which the consumers treat as final for that job, never as a retry.
inline constexpr std::size_t kMaxItemDepth = 80;

// The attributes jobstream keeps on every item; a job's own parameters may not use these names.
//   id           the job's id (the table's partition key), {"S": …}
//   job_status   one entry per consumer whose filter accepted the job: {"M": {"status": …, …}}
//   version      the optimistic-locking counter: 0 at insert, as the reference's PutItem writes it
//   created_at, updated_at   ISO-8601 UTC timestamps, {"S": …}
inline constexpr std::string_view kIdAttribute = "id";
inline constexpr std::string_view kJobStatusAttribute = "job_status";
inline constexpr std::string_view kVersionAttribute = "version";
inline constexpr std::string_view kCreatedAtAttribute = "created_at";
inline constexpr std::string_view kUpdatedAtAttribute = "updated_at";
bool IsReservedAttribute(std::string_view name);

// One consumer's progress on one job: its entry in job_status.
struct ConsumerState {
  ConsumerState() = default;
  ConsumerState(std::string status, boost::json::value results, boost::json::value error,
                boost::json::object other = {})
      : status(std::move(status)), results(std::move(results)), error(std::move(error)), other(std::move(other)) {}

  std::string status = "Pending";  // Pending | Running | Success | Failure (or what a function wrote)
  boost::json::value results;      // set when status == Success
  boost::json::value error;        // {"errorType", "errorMessage"} when status == Failure
  // The entry's other attributes, in typed JSON, as a handler wrote them (the reference's error
  // handlers write the job's parameters beside the status): read, kept and shown, never
  // interpreted, so rewriting another consumer's entry does not drop them.
  boost::json::object other;

  bool IsTerminal() const { return status == "Success" || status == "Failure"; }
  // The entry's own members, which `other` never holds (a job parameter named "status" must not
  // become a second status).
  static bool IsOwnMember(std::string_view name) { return name == "status" || name == "results" || name == "error"; }
};

// A job: the item of the jobs table, shaped as the reference deployment's PutItem writes it,
// {"id": {"S"}, <the job's parameters>, "job_status": {"M"}, "version": {"N": "0"}}, plus
// jobstream's timestamps. The item is stored and streamed in DynamoDB's typed JSON, so a handler
// reads NewImage["seconds"]["N"] as on AWS; GET /jobs/{id} shows a plain view derived from it.
struct Job {
  std::string id;
  boost::json::object attributes;                  // the job's own attributes (its parameters), in typed JSON
  std::map<std::string, ConsumerState> consumers;  // job_status
  std::int64_t version = 0;                        // 0 at insert, +1 per outcome jobstream writes
  SystemTime created_at;
  SystemTime updated_at;

  // Aggregate over consumers: all Success → Success; all terminal with a Failure → Failure;
  // any started → Running; none started → Pending; no consumer accepted the job → Filtered
  // (final: nothing will write to it).
  std::string AggregateStatus() const;
  // True when every expected consumer reached Success or Failure (AggregateStatus is one of them).
  bool Finished() const;

  // The item in DynamoDB's typed JSON: what the table keeps and stream images carry. Written
  // directly (the write path: no tree is built).
  std::string ToTypedItemJson() const;
  // The same as a tree (parsing ToTypedItemJson), for the paths that filter or compare items.
  boost::json::object ToTypedItem() const;
  // GET /jobs/{id}'s body: {"id", "parameters", "status", "consumers", "version", "createdAt",
  // "updatedAt"}, plain JSON derived from the item (numbers keep their decimal text).
  std::string ToViewJson() const;
  // The job back from ToTypedItemJson's text; kCorruption if the text is not such an item.
  static Result<Job> FromItemJson(std::string_view json);
};

// Job::AggregateStatus of a typed item as the table keeps it, read from its job_status alone
// (without building the Job): what the store indexes jobs by (JobStore::ListJobs). nullopt when
// job_status is not shaped as FromItemJson reads it (an item the DynamoDB API wrote that way).
std::optional<std::string> AggregateStatusOfItem(const boost::json::object& item);

}  // namespace jobstream::store
