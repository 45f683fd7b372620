// What only the Redis implementations have: URL parsing, AUTH, reconnecting, the durability
// statement, AOF persistence across a crash of redis-server, the PEL as the in-flight set, and
// streams that never lose a pending entry to trimming.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "core/clock.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_durability.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_task_queue.h"
#include "queue/redis/redis_worker_registry.h"
#include "support/redis_server.h"

namespace tessera::queue {
namespace {

using std::chrono::milliseconds;
using testing::RedisServer;
using testing::RedisServerOptions;

constexpr milliseconds kLease{60'000};
const WorkerIdentity kWorker{"worker-1", {"core"}};

std::shared_ptr<RedisClient> ClientFor(const RedisServer& server) {
  auto url = ParseRedisUrl(server.url());
  EXPECT_TRUE(url.has_value()) << url.error().ToString();
  return std::make_shared<RedisClient>(RedisClientOptions{*url});
}

TaskSpec Task(std::string id) {
  TaskSpec spec;
  spec.id = std::move(id);
  spec.job_id = "job-" + spec.id;
  spec.kind = "process";
  spec.payload = "{}";
  spec.capabilities = {"core"};
  return spec;
}

void StartOrFail(RedisServer& server) {
  Status started = server.Start();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
}

TEST(RedisUrl, ParsesHostPortPasswordAndDb) {
  auto url = ParseRedisUrl("redis://:s3cret@cache.internal:6380/2");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(*url, (RedisUrl{"cache.internal", 6380, "", "s3cret", 2}));
  EXPECT_EQ(*ParseRedisUrl("redis://localhost"), (RedisUrl{"localhost", 6379, "", "", 0}));
  EXPECT_EQ(*ParseRedisUrl("redis://10.0.0.1:7000/"), (RedisUrl{"10.0.0.1", 7000, "", "", 0}));
  EXPECT_EQ(*ParseRedisUrl("redis://app:pw@h:1/0"), (RedisUrl{"h", 1, "app", "pw", 0}));
}

TEST(RedisUrl, RejectsMalformedUrlsAsBadRequest) {
  for (const char* bad : {"http://h:1", "redis://", "redis://:6379", "redis://h:0",
                          "redis://h:65536", "redis://h:port", "redis://h:1/db", "redis://h:1/-1",
                          "redis://pw@h:1", "redis://:@h:1", "h:6379"}) {
    auto url = ParseRedisUrl(bad);
    ASSERT_FALSE(url.has_value()) << bad;
    EXPECT_EQ(url.error().code, ErrorCode::kBadRequest) << bad;
  }
}

TEST(RedisServerFixture, StartsStopsAndRestartsOnTheSamePort) {
  RedisServer server;
  StartOrFail(server);
  int port = server.port();
  EXPECT_TRUE(ClientFor(server)->Ping().has_value());
  ASSERT_TRUE(server.Restart().has_value());
  EXPECT_EQ(server.port(), port);
  EXPECT_TRUE(ClientFor(server)->Ping().has_value());
}

TEST(RedisClient, ConnectionRefusedIsUnavailable) {
  RedisServer server;
  StartOrFail(server);
  auto client = ClientFor(server);
  server.Kill();
  Status ping = client->Ping();
  ASSERT_FALSE(ping.has_value());
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
}

TEST(RedisClient, AuthenticatesWithThePasswordFromTheUrl) {
  RedisServerOptions options;
  options.password = "s3cret";
  RedisServer server(options);
  StartOrFail(server);
  EXPECT_TRUE(ClientFor(server)->Ping().has_value());

  RedisClientOptions wrong{*ParseRedisUrl(server.url())};
  wrong.url.password = "wrong";
  Status ping = RedisClient(wrong).Ping();
  ASSERT_FALSE(ping.has_value());
  EXPECT_EQ(ping.error().code, ErrorCode::kUnauthorized);

  RedisClientOptions none{*ParseRedisUrl(server.url())};
  none.url.password.clear();
  auto unauthenticated = RedisClient(none).Command({"GET", "x"});
  ASSERT_FALSE(unauthenticated.has_value());
  EXPECT_EQ(unauthenticated.error().code, ErrorCode::kUnauthorized);
}

TEST(RedisClient, SelectsTheDatabaseFromTheUrl) {
  RedisServer server;
  StartOrFail(server);
  auto db3 = std::make_shared<RedisClient>(RedisClientOptions{*ParseRedisUrl(server.url() + "/3")});
  ASSERT_TRUE(db3->Command({"SET", "k", "v"}).has_value());
  auto db0 = ClientFor(server);
  EXPECT_TRUE(db0->Command({"GET", "k"})->is_nil());
  EXPECT_EQ(db3->Command({"GET", "k"})->str, "v");
}

TEST(RedisClient, ReconnectsAfterTheServerDropsTheConnection) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  auto client = ClientFor(server);
  RedisTaskQueue queue(client, clock);
  ASSERT_TRUE(queue.Enqueue(Task("t1")).has_value());
  auto killer = ClientFor(server);
  auto kill_others = [&] {
    ASSERT_TRUE(killer->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}));
  };

  kill_others();
  Result<QueueStats> stats = queue.Stats();  // idempotent: retried once on a new connection
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->ready_normal, 1);

  kill_others();
  // A claim is not retried blindly (it might have leased the task): at most one kUnavailable.
  Result<std::optional<ClaimedTask>> claimed = queue.Claim(kWorker, kLease);
  if (!claimed) {
    EXPECT_EQ(claimed.error().code, ErrorCode::kUnavailable) << claimed.error().ToString();
    claimed = queue.Claim(kWorker, kLease);
  }
  ASSERT_TRUE(claimed.has_value()) << claimed.error().ToString();
  ASSERT_TRUE(claimed->has_value());
  EXPECT_TRUE(queue.Ack(**claimed).has_value());
}

TEST(RedisClient, ReloadsScriptsAfterTheServerRestarts) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  RedisTaskQueue queue(ClientFor(server), clock);
  ASSERT_TRUE(queue.Enqueue(Task("t1")).has_value());
  ASSERT_TRUE(server.Restart().has_value());  // drops the connection and the script cache
  Status enqueued = queue.Enqueue(Task("t2"));
  ASSERT_TRUE(enqueued.has_value()) << enqueued.error().ToString();
  EXPECT_EQ(queue.Stats()->ready_normal, 2) << "AOF kept t1 across the restart";
}

TEST(RedisDurability, StatesWhatAcceptedMeans) {
  RedisServerOptions always;
  always.appendfsync = "always";
  RedisServer durable(always);
  StartOrFail(durable);
  auto safe = CheckRedisDurability(*ClientFor(durable));
  ASSERT_TRUE(safe.has_value()) << safe.error().ToString();
  EXPECT_EQ(safe->appendonly, "yes");
  EXPECT_EQ(safe->appendfsync, "always");
  EXPECT_EQ(safe->maxmemory_policy, "noeviction");
  EXPECT_FALSE(safe->at_risk) << safe->statement;
  EXPECT_NE(safe->statement.find("loses no accepted"), std::string::npos) << safe->statement;

  RedisServerOptions volatile_options;
  volatile_options.appendonly = false;
  volatile_options.maxmemory_policy = "allkeys-lru";
  RedisServer in_memory(volatile_options);
  StartOrFail(in_memory);
  auto risky = CheckRedisDurability(*ClientFor(in_memory));
  ASSERT_TRUE(risky.has_value()) << risky.error().ToString();
  EXPECT_TRUE(risky->at_risk);
  EXPECT_NE(risky->statement.find("appendonly is no"), std::string::npos) << risky->statement;
  EXPECT_NE(risky->statement.find("allkeys-lru"), std::string::npos) << risky->statement;

  EXPECT_FALSE(DescribeRedisDurability("yes", "everysec", "noeviction").at_risk);
  EXPECT_TRUE(DescribeRedisDurability("yes", "no", "noeviction").at_risk);
  EXPECT_TRUE(DescribeRedisDurability("unknown", "unknown", "unknown").at_risk);
}

// appendfsync always: whatever Redis acknowledged is on disk, so SIGKILL loses nothing.
TEST(RedisPersistence, AcceptedTasksAndJobsSurviveAKilledServer) {
  RedisServerOptions options;
  options.appendfsync = "always";
  RedisServer server(options);
  StartOrFail(server);
  ManualClock clock;
  RedisTaskQueue queue(ClientFor(server), clock);
  RedisJobStore jobs(ClientFor(server), clock);
  ASSERT_TRUE(queue.Enqueue(Task("t1")).has_value());
  ASSERT_TRUE(queue.Enqueue(Task("t2")).has_value());
  JobRecord job;
  job.id = "job-1";
  job.pipeline = "resize w=10";
  job.idempotency_key = "idem-1";
  ASSERT_TRUE(jobs.Create(job).has_value());
  ClaimedTask held = **queue.Claim(kWorker, kLease);

  server.Kill();
  StartOrFail(server);

  Result<JobRecord> stored = jobs.Get("job-1");
  ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
  EXPECT_EQ(stored->pipeline, "resize w=10");
  job.id = "job-2";
  EXPECT_FALSE(jobs.Create(job)->created) << "the idempotency key survived too";
  QueueStats stats = *queue.Stats();
  EXPECT_EQ(stats.ready_normal, 1);
  EXPECT_EQ(stats.leased, 1) << "the PEL survived";
  EXPECT_TRUE(queue.Ack(held).has_value()) << "the lease survived";
  EXPECT_EQ((**queue.Claim(kWorker, kLease)).spec.id, "t2");
}

// Entries leave a stream only by XDEL after their delivery is settled (never by MAXLEN), so a
// stream holds exactly the ready and leased tasks and no pending entry can be trimmed away.
TEST(RedisStreams, StreamsHoldExactlyReadyAndLeasedEntries) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  auto client = ClientFor(server);
  RedisTaskQueue queue(client, clock);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(queue.Enqueue(Task("t" + std::to_string(i))));
  std::vector<ClaimedTask> held;
  for (int i = 0; i < 200; ++i) held.push_back(**queue.Claim(kWorker, kLease));
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(queue.Ack(held[i]).has_value());

  const std::string stream = "tessera:q:1:[\"core\"]";
  EXPECT_EQ(client->Command({"XLEN", stream})->integer, 150);
  EXPECT_EQ(client->Command({"XPENDING", stream, "tessera"})->elements[0].integer, 50);
  for (int i = 150; i < 200; ++i) {
    Status acked = queue.Ack(held[i]);
    EXPECT_TRUE(acked.has_value()) << acked.error().ToString();
  }
  EXPECT_EQ(client->Command({"XLEN", stream})->integer, 100);
  QueueStats stats = *queue.Stats();
  EXPECT_EQ(stats.ready_normal, 100);
  EXPECT_EQ(stats.leased, 0);
}

TEST(RedisStreams, AForgedConsumerNameIsFencedByThePel) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  RedisTaskQueue queue(ClientFor(server), clock);
  ASSERT_TRUE(queue.Enqueue(Task("t1")).has_value());
  ClaimedTask held = **queue.Claim(kWorker, kLease);
  ClaimedTask impostor = held;
  impostor.worker_id = "worker-2";
  EXPECT_EQ(queue.Ack(impostor).error().code, ErrorCode::kConflict);
  ClaimedTask wrong_token = held;
  wrong_token.lease_token = "0-1";
  EXPECT_EQ(queue.Ack(wrong_token).error().code, ErrorCode::kConflict);
  EXPECT_TRUE(queue.Ack(held).has_value());
}

TEST(RedisStreams, ReclaimDropsConsumersThatHoldNothing) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  auto client = ClientFor(server);
  RedisTaskQueue queue(client, clock);
  ASSERT_TRUE(queue.Enqueue(Task("t1")).has_value());
  ASSERT_TRUE(queue.Enqueue(Task("t2")).has_value());
  ClaimedTask done = **queue.Claim({"idle-worker", {"core"}}, kLease);
  ASSERT_TRUE(queue.Ack(done).has_value());
  ClaimedTask busy = **queue.Claim({"busy-worker", {"core"}}, kLease);
  ASSERT_EQ(*queue.ReclaimExpired(3), 0);
  auto consumers = client->Command({"XINFO", "CONSUMERS", "tessera:q:1:[\"core\"]", "tessera"});
  ASSERT_TRUE(consumers.has_value());
  ASSERT_EQ(consumers->elements.size(), 1u);
  EXPECT_EQ(consumers->elements[0].elements[1].str, "busy-worker");
  EXPECT_TRUE(queue.Ack(busy).has_value());
}

TEST(RedisStreams, LeaseLengthsDifferPerClaim) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  RedisTaskQueue queue(ClientFor(server), clock);
  ASSERT_TRUE(queue.Enqueue(Task("short")).has_value());
  ASSERT_TRUE(queue.Enqueue(Task("long")).has_value());
  ClaimedTask short_held = **queue.Claim(kWorker, milliseconds(100));
  ClaimedTask long_held = **queue.Claim(kWorker, kLease);
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_EQ(*queue.ReclaimExpired(3), 1);
  EXPECT_EQ(queue.Ack(short_held).error().code, ErrorCode::kConflict);
  EXPECT_TRUE(queue.Ack(long_held).has_value());
}

// One client (one connection) shared by several threads, as a server process would.
TEST(RedisClient, OneClientIsSafeToShareBetweenThreads) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  RedisTaskQueue queue(ClientFor(server), clock);
  constexpr int kTasks = 200;
  for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(queue.Enqueue(Task("t" + std::to_string(i))));
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      WorkerIdentity me{"w" + std::to_string(w), {"core"}};
      while (true) {
        auto claimed = queue.Claim(me, kLease);
        if (!claimed || !*claimed) return;
        if (queue.Ack(**claimed)) ++acked;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked.load(), kTasks);
}

TEST(RedisWorkers, HeartbeatsExpireByRedisClock) {
  RedisServer server;
  StartOrFail(server);
  ManualClock clock;
  RedisWorkerRegistry registry(ClientFor(server), clock);
  WorkerInfo info;
  info.id = "w1";
  info.capabilities = {"core"};
  ASSERT_TRUE(registry.Heartbeat(info, milliseconds(100)).has_value());
  EXPECT_EQ(registry.ListLive()->size(), 1u);
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_TRUE(registry.ListLive()->empty());
}

}  // namespace
}  // namespace tessera::queue
