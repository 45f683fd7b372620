// Queue overhead per task: enqueue -> claim -> ack with no image work, on the SQLite and Redis
// TaskQueues, single client and with 2 concurrent clients. Prints one CSV row per measurement:
//   backend,clients,tasks,median_us,p90_us,p99_us,tasks_per_s
//
//   tessera_queue_bench [--tasks N] [--redis host:port] [--sqlite path.db]
// Without --redis, only SQLite is measured (bench/run_queue.sh starts a redis-server).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_task_queue.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_task_queue.h"

namespace {

using namespace tessera;
using Micros = std::chrono::duration<double, std::micro>;

struct Sample {
  std::vector<double> us;
  double seconds = 0;
};

// One client: for each task, enqueue, claim, ack; the round trip is the per-job overhead.
void RunClient(queue::TaskQueue& q, const std::string& prefix, int tasks, Sample& out) {
  queue::WorkerIdentity me{prefix, {"core"}};
  for (int i = 0; i < tasks; ++i) {
    queue::TaskSpec t;
    t.id = prefix + "-" + std::to_string(i);
    t.job_id = t.id;
    t.kind = "process";
    t.payload = R"({"pipeline":"thumbnail:w=256","input_key":"inputs/x","output_key":"results/x"})";
    t.capabilities = {"core"};
    auto start = std::chrono::steady_clock::now();
    if (!q.Enqueue(t)) std::abort();
    auto claimed = q.Claim(me, std::chrono::seconds(30));
    if (!claimed || !claimed->has_value()) {
      std::fprintf(stderr, "claim failed\n");
      std::abort();
    }
    if (!q.Ack(**claimed)) std::abort();
    out.us.push_back(Micros(std::chrono::steady_clock::now() - start).count());
  }
}

void Report(const char* backend, int clients, std::vector<Sample>& samples) {
  std::vector<double> all;
  double secs = 0;
  for (auto& s : samples) {
    all.insert(all.end(), s.us.begin(), s.us.end());
    secs = std::max(secs, s.seconds);
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, size_t(p * all.size()))]; };
  std::printf("%s,%d,%zu,%.0f,%.0f,%.0f,%.0f\n", backend, clients, all.size(), pct(0.5), pct(0.9),
              pct(0.99), all.size() / secs);
  std::fflush(stdout);
}

template <class MakeQueue>
void Measure(const char* backend, int tasks, MakeQueue make) {
  for (int clients : {1, 2}) {
    std::vector<std::unique_ptr<queue::TaskQueue>> queues;
    for (int c = 0; c < clients; ++c) queues.push_back(make());
    std::vector<Sample> samples(clients);
    std::vector<std::thread> threads;
    std::string run = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        auto start = std::chrono::steady_clock::now();
        RunClient(*queues[c], run + "-" + std::to_string(c), tasks, samples[c]);
        samples[c].seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      });
    }
    for (auto& t : threads) t.join();
    Report(backend, clients, samples);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 2000;
  std::string redis,
      sqlite_path = (std::filesystem::temp_directory_path() / "tessera-queue-bench.db").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--tasks")) tasks = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--redis")) redis = argv[i + 1];
    if (!std::strcmp(argv[i], "--sqlite")) sqlite_path = argv[i + 1];
  }
  Clock& clock = SystemClock::Get();
  std::printf("backend,clients,tasks,median_us,p90_us,p99_us,tasks_per_s\n");
  std::filesystem::remove(sqlite_path);
  std::filesystem::remove(sqlite_path + "-wal");
  std::filesystem::remove(sqlite_path + "-shm");
  Measure("sqlite", tasks, [&] {
    auto db = queue::SqliteDatabase::Open(sqlite_path);
    if (!db) std::abort();
    return std::unique_ptr<queue::TaskQueue>(std::make_unique<queue::SqliteTaskQueue>(*db, clock));
  });
  if (!redis.empty()) {
    Measure("redis", tasks, [&] {
      auto url = queue::ParseRedisUrl("redis://" + redis);
      if (!url) std::abort();
      queue::RedisClientOptions o;
      o.url = *url;
      auto client = std::make_shared<queue::RedisClient>(o);
      return std::unique_ptr<queue::TaskQueue>(
          std::make_unique<queue::RedisTaskQueue>(client, clock));
    });
  }
  return 0;
}
