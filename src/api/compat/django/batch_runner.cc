#include "api/compat/django/batch_runner.h"

#include <atomic>
#include <thread>

#include "engine/pipeline.h"

namespace tessera::api::compat::django {
namespace {

using Steady = std::chrono::steady_clock;

double Since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

ImageRun RunOne(const SampleDir& dir, const std::string& name, const engine::Pipeline& pipeline,
                const engine::ProcessOptions& options) {
  const auto start = Steady::now();
  ImageRun run{.name = name};
  auto bytes = dir.Read(name, options.limits.max_input_bytes);
  if (!bytes) {
    run.error = bytes.error().message;
  } else {
    run.file_size = bytes->size();
    auto done = engine::Process(*bytes, pipeline, options);
    run.ok = done.has_value();
    if (!done) run.error = done.error().message;
  }
  run.seconds = Since(start);
  return run;
}

}  // namespace

int BatchRun::successes() const {
  int n = 0;
  for (const auto& i : images) n += i.ok ? 1 : 0;
  return n;
}

BatchRun RunSequential(const SampleDir& dir, const std::vector<std::string>& names,
                       const FilterChain& chain, const engine::ProcessOptions& options) {
  return RunThreaded(dir, names, chain, options, 1);
}

BatchRun RunThreaded(const SampleDir& dir, const std::vector<std::string>& names,
                     const FilterChain& chain, const engine::ProcessOptions& options, int threads) {
  BatchRun batch;
  batch.parallelism = std::max(1, threads);
  batch.images.resize(names.size());
  auto pipeline = engine::ParsePipeline(chain.pipeline);
  const auto start = Steady::now();
  if (!pipeline) {
    for (size_t i = 0; i < names.size(); ++i) {
      batch.images[i] = {.name = names[i], .error = pipeline.error().message};
    }
    return batch;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < names.size(); i = next++) {
      batch.images[i] = RunOne(dir, names[i], *pipeline, options);
    }
  };
  if (batch.parallelism == 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    for (int t = 0; t < batch.parallelism; ++t) pool.emplace_back(work);
  }
  batch.seconds = Since(start);
  return batch;
}

BatchRun RunOnQueue(const SampleDir& dir, const std::vector<std::string>& names,
                    const FilterChain& chain, jobs::JobService& jobs,
                    queue::WorkerRegistry& registry, std::chrono::milliseconds timeout) {
  BatchRun batch;
  batch.parallelism = 0;
  if (auto live = registry.ListLive()) {
    for (const auto& w : *live) batch.parallelism += w.threads;
  }
  const auto start = Steady::now();
  std::vector<std::string> ids(names.size());
  std::vector<Steady::time_point> submitted(names.size());
  batch.images.resize(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    batch.images[i].name = names[i];
    submitted[i] = Steady::now();
    auto bytes = dir.Read(names[i]);
    if (!bytes) {
      batch.images[i].error = bytes.error().message;
      continue;
    }
    batch.images[i].file_size = bytes->size();
    jobs::SubmitRequest submit;
    submit.image = *bytes;
    submit.pipeline = chain.pipeline;
    submit.capabilities = chain.capabilities;
    auto created = jobs.Submit(submit);
    if (!created) {
      batch.images[i].error = created.error().message;
      continue;
    }
    ids[i] = created->job.id;
  }
  const auto deadline = start + timeout;
  std::vector<bool> done(names.size(), false);
  for (size_t i = 0; i < names.size(); ++i) done[i] = ids[i].empty();
  while (true) {
    bool all = true;
    for (size_t i = 0; i < names.size(); ++i) {
      if (done[i]) continue;
      auto st = jobs.Get(ids[i]);
      if (st && queue::IsTerminal(st->job.state)) {
        done[i] = true;
        batch.images[i].seconds = Since(submitted[i]);
        batch.images[i].ok = st->job.state == queue::JobState::kSucceeded;
        if (!batch.images[i].ok && st->job.error) batch.images[i].error = st->job.error->message;
      } else {
        all = false;
      }
    }
    if (all) break;
    if (Steady::now() >= deadline) {
      for (size_t i = 0; i < names.size(); ++i) {
        if (done[i]) continue;
        (void)jobs.Cancel(ids[i]);
        batch.images[i].error = "not finished within the batch timeout";
        batch.images[i].seconds = Since(submitted[i]);
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  batch.seconds = Since(start);
  return batch;
}

}  // namespace tessera::api::compat::django
