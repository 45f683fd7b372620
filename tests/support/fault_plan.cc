#include "support/fault_plan.h"

namespace tessera::testing {
namespace {

bool Matches(const FaultRule& rule, std::string_view method, std::string_view subject) {
  return rule.method == method && subject.substr(0, rule.subject.size()) == rule.subject;
}

Error DefaultError(FaultKind kind, std::string_view method) {
  std::string what = kind == FaultKind::kLoseReply
                         ? "the connection dropped after the backend applied " +
                               std::string(method) + "; its reply was lost"
                         : "the backend was unreachable for " + std::string(method);
  return MakeError(ErrorCode::kUnavailable, "injected: " + what);
}

}  // namespace

FaultPlan& FaultPlan::Add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back({std::move(rule), 0});
  return *this;
}

std::optional<Fault> FaultPlan::OnCall(std::string_view method, std::string_view subject) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.emplace_back(method, subject);
  std::optional<Fault> picked;
  // Every matching rule counts the call, so a rule's nth does not depend on the rules before it.
  for (Armed& armed : rules_) {
    if (!Matches(armed.rule, method, subject)) continue;
    const int n = ++armed.matched;
    const FaultRule& r = armed.rule;
    const bool in_range = n >= r.nth && (r.times == INT_MAX || n - r.nth < r.times);
    if (in_range && !picked) {
      picked = Fault{r.kind, r.error.value_or(DefaultError(r.kind, method))};
    }
  }
  if (picked) ++injected_;
  return picked;
}

int FaultPlan::Calls(std::string_view method, std::string_view subject) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [m, s] : calls_) {
    if (m == method && std::string_view(s).substr(0, subject.size()) == subject) ++n;
  }
  return n;
}

int FaultPlan::Injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

}  // namespace tessera::testing
