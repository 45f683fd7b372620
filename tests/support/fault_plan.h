// FaultPlan: which calls through a faulty seam wrapper misbehave, and how. One plan may be
// shared by the wrappers of all three seams (faulty_task_queue.h, faulty_job_store.h,
// faulty_blob_store.h), which sit on a real backend as LevelDB's FaultInjectionTestEnv sits on
// a real Env: every call reaches the backend except those a rule picks.
//
// A call is named by its method ("Put", "Claim", "Transition", as in the interface) and a
// subject, which each wrapper's header lists (a blob key, a task kind, a target job state). A
// rule picks calls by method and subject prefix and counts, from when it is added, the calls it
// matches: {.method = "Put", .subject = "results/", .nth = 2} is the second result write.
// Rules are tried in the order added; the first that picks a call decides what it does:
//
//   kFail       the backend is not called; the call returns the rule's error (a request that
//               never arrived: connection refused, a timeout before sending).
//   kLoseReply  the backend is called and its answer dropped; the call returns the rule's error
//               (the connection dropped after the backend applied the request).
//   kTwice      the backend is called twice and the second answer returned (a client that
//               resent the request after a timeout, and both were applied). For
//               TaskQueue::Claim it means a duplicate delivery instead: the claimed task is
//               returned, and handed again, with the same lease, to the next Claim.
//
// Every call through a wrapper is recorded, faulted or not, so a test can count what the code
// under test did (Calls).
//
// Thread-safety: every method may be called from any thread. The plan must outlive the
// wrappers that read it.
#pragma once

#include <climits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace tessera::testing {

enum class FaultKind { kFail, kLoseReply, kTwice };

struct FaultRule {
  std::string method;   // exact method name, e.g. "Ack"
  std::string subject;  // prefix of the call's subject; empty matches every call of `method`
  int nth = 1;          // the first matching call picked, 1-based
  int times = 1;        // consecutive matching calls picked from the nth on (INT_MAX: all)
  FaultKind kind = FaultKind::kFail;
  // What the picked call returns (kFail, kLoseReply). Default: kUnavailable with a message
  // saying which fault it was.
  std::optional<Error> error;
};

// What a wrapper does with one call: its kind and, for kFail and kLoseReply, the error.
struct Fault {
  FaultKind kind = FaultKind::kFail;
  Error error;
};

class FaultPlan {
 public:
  // Adds a rule, counting its matches from now on. Returns *this, so rules chain.
  FaultPlan& Add(FaultRule rule);

  // Records the call and returns the fault to inject, or nullopt to pass it through. Called
  // by the wrappers once per call.
  std::optional<Fault> OnCall(std::string_view method, std::string_view subject);

  // Calls of `method` whose subject begins with `subject`, faulted or not.
  int Calls(std::string_view method, std::string_view subject = {}) const;
  // Calls a rule picked.
  int Injected() const;

 private:
  struct Armed {
    FaultRule rule;
    int matched = 0;
  };

  mutable std::mutex mu_;
  std::vector<Armed> rules_;                                // guarded by mu_
  std::vector<std::pair<std::string, std::string>> calls_;  // (method, subject); by mu_
  int injected_ = 0;                                        // guarded by mu_
};

// Runs `call` (the target's method, returning R: Status or Result<T>) as `fault` says.
template <class R, class Call>
R ApplyFault(const std::optional<Fault>& fault, Call&& call) {
  if (!fault) return call();
  switch (fault->kind) {
    case FaultKind::kFail: return fault->error;
    case FaultKind::kLoseReply: {
      R applied = call();
      (void)applied;
      return fault->error;
    }
    case FaultKind::kTwice: {
      R first = call();
      (void)first;
      return call();
    }
  }
  return call();
}

}  // namespace tessera::testing
