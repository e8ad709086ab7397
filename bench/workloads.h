// The request mixes of the scenarios: submitting jobs, reading them back, or both.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "workload.h"

namespace jobstream::bench {

// A job id in canonical UUID form, stored flat so a million of them cost 36 MB, not 100.
using JobId = std::array<char, 36>;

inline std::string_view View(const JobId& id) { return {id.data(), id.size()}; }

// Copies text into id; false (id untouched) unless text has a UUID's length.
bool ToJobId(std::string_view text, JobId& id);

// The job id of a 202 answer to POST /jobs (from its Location header), or empty.
std::string_view AcceptedJobId(const HttpResponse& response);

// Called with each job the server accepted (202) and the timing of its POST.
using AcceptedHandler = std::function<void(std::string_view id, const RequestTiming& timing)>;

// POST /jobs with one fixed body, `limit` times.
class SubmitWorkload : public Workload {
 public:
  static constexpr std::uint64_t kUnlimited = UINT64_MAX;

  SubmitWorkload(std::string body, std::uint64_t limit, AcceptedHandler on_accepted = {});

  std::vector<std::string> KindNames() const override { return {"POST /jobs"}; }
  Pull Next(RequestSpec& request, Clock::time_point now) override;
  void OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming& timing) override;

 private:
  const std::string body_;
  const std::uint64_t limit_;
  const AcceptedHandler on_accepted_;
  std::uint64_t issued_ = 0;
};

// GET /jobs/{id} of ids drawn uniformly at random. `ids` must outlive the workload.
class GetWorkload : public Workload {
 public:
  GetWorkload(const std::vector<JobId>& ids, std::uint64_t seed);

  std::vector<std::string> KindNames() const override { return {"GET /jobs/{id}"}; }
  Pull Next(RequestSpec& request, Clock::time_point now) override;
  void OnResponse(const RequestSpec&, const HttpResponse&, const RequestTiming&) override {}

 private:
  const std::vector<JobId>& ids_;
  std::mt19937_64 random_;
  std::string target_;  // the request being built
};

// POST /jobs with probability submit_ratio, otherwise GET of a random job among the preloaded
// ones and those this workload submitted. `preloaded` must outlive the workload.
class MixedWorkload : public Workload {
 public:
  static constexpr int kSubmit = 0;
  static constexpr int kGet = 1;

  MixedWorkload(const std::vector<JobId>& preloaded, std::string body, double submit_ratio, std::uint64_t seed);

  std::vector<std::string> KindNames() const override { return {"POST /jobs", "GET /jobs/{id}"}; }
  Pull Next(RequestSpec& request, Clock::time_point now) override;
  void OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming& timing) override;

 private:
  const std::vector<JobId>& preloaded_;
  const std::string body_;
  const double submit_ratio_;
  std::vector<JobId> submitted_;
  std::mt19937_64 random_;
  std::string target_;
};

}  // namespace jobstream::bench
