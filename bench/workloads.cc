#include "workloads.h"

#include <algorithm>

namespace jobstream::bench {

namespace {

constexpr std::string_view kJobsPath = "/jobs";
constexpr std::string_view kJobPathPrefix = "/jobs/";

void SetJobTarget(std::string& target, const JobId& id) {
  target.assign(kJobPathPrefix);
  target.append(View(id));
}

}  // namespace

bool ToJobId(std::string_view text, JobId& id) {
  if (text.size() != id.size()) return false;
  std::copy(text.begin(), text.end(), id.begin());
  return true;
}

std::string_view AcceptedJobId(const HttpResponse& response) {
  if (response.result_int() != 202) return {};
  auto location = response.find(boost::beast::http::field::location);
  if (location == response.end()) return {};
  std::string_view value = location->value();
  if (!value.starts_with(kJobPathPrefix)) return {};
  return value.substr(kJobPathPrefix.size());
}

SubmitWorkload::SubmitWorkload(std::string body, std::uint64_t limit, AcceptedHandler on_accepted)
    : body_(std::move(body)), limit_(limit), on_accepted_(std::move(on_accepted)) {}

Pull SubmitWorkload::Next(RequestSpec& request, Clock::time_point) {
  if (issued_ >= limit_) return Pull::Done();
  ++issued_;
  request = RequestSpec{"POST", kJobsPath, body_, 0, 0};
  return Pull::Request();
}

void SubmitWorkload::OnResponse(const RequestSpec&, const HttpResponse& response, const RequestTiming& timing) {
  if (!on_accepted_) return;
  std::string_view id = AcceptedJobId(response);
  if (!id.empty()) on_accepted_(id, timing);
}

GetWorkload::GetWorkload(const std::vector<JobId>& ids, std::uint64_t seed) : ids_(ids), random_(seed) {}

Pull GetWorkload::Next(RequestSpec& request, Clock::time_point) {
  if (ids_.empty()) return Pull::Done();
  std::uint64_t index = std::uniform_int_distribution<std::uint64_t>(0, ids_.size() - 1)(random_);
  SetJobTarget(target_, ids_[index]);
  request = RequestSpec{"GET", target_, {}, 0, index};
  return Pull::Request();
}

MixedWorkload::MixedWorkload(const std::vector<JobId>& preloaded, std::string body, double submit_ratio,
                             std::uint64_t seed)
    : preloaded_(preloaded), body_(std::move(body)), submit_ratio_(submit_ratio), random_(seed) {}

Pull MixedWorkload::Next(RequestSpec& request, Clock::time_point) {
  std::uint64_t known = preloaded_.size() + submitted_.size();
  bool submit = known == 0 || std::uniform_real_distribution<double>(0, 1)(random_) < submit_ratio_;
  if (submit) {
    request = RequestSpec{"POST", kJobsPath, body_, kSubmit, 0};
    return Pull::Request();
  }
  std::uint64_t index = std::uniform_int_distribution<std::uint64_t>(0, known - 1)(random_);
  SetJobTarget(target_, index < preloaded_.size() ? preloaded_[index] : submitted_[index - preloaded_.size()]);
  request = RequestSpec{"GET", target_, {}, kGet, index};
  return Pull::Request();
}

void MixedWorkload::OnResponse(const RequestSpec& request, const HttpResponse& response, const RequestTiming&) {
  if (request.kind != kSubmit) return;
  JobId id;
  if (ToJobId(AcceptedJobId(response), id)) submitted_.push_back(id);
}

}  // namespace jobstream::bench
