// Distributed tessera with no shared directory: one API node (`tessera serve --workers 0`),
// Redis, an S3 server (s3rver) and two `tessera worker` processes, each with its own data
// directory, all blobs on `--store s3://`. Whole and tiled jobs complete with output
// byte-identical to `tessera process`; a worker SIGKILLed mid-job leaves no partial object under
// any final key, and the other worker finishes the job.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/http/client.h"
#include "core/file_io.h"
#include "engine/tiling/raw_tile.h"
#include "store/s3/s3_blob_store.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/s3_server.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::seconds;

int Count(const std::string& log, const std::string& event) {
  int n = 0;
  std::string needle = "\"event\":\"" + event + "\"";
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

class S3ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RedisServerOptions redis_options;
    redis_options.appendfsync = "always";
    redis_ = std::make_unique<RedisServer>(redis_options);
    Status r = redis_->Start();
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    Status s = s3_.Start();
    ASSERT_TRUE(s.has_value()) << s.error().ToString() << s.error().detail;
    store_url_ = s3_.StoreUrl("cluster");
    serve_ = ServeProcess::Start(
        dir_.path() / "api", {"--workers", "0", "--queue", redis_->url(), "--store", store_url_});
    ASSERT_NE(serve_, nullptr);
    client_ = serve_->Client();
  }

  // A worker with a data directory of its own: nothing on disk is shared with anyone.
  std::unique_ptr<BackgroundProcess> StartWorker(const std::string& name, int tile_size) {
    return StartTessera({"worker", "--data-dir", (dir_.path() / ("data-" + name)).string(),
                         "--queue", redis_->url(), "--store", store_url_, "--threads", "1",
                         "--lease-ms", "1500", "--tile-size", std::to_string(tile_size)},
                        dir_.path() / ("logs-" + name));
  }

  std::string Submit(const std::vector<uint8_t>& image, const std::string& pipeline,
                     const std::string& tiles) {
    auto r = client_->Send(
        {.method = "POST",
         .target = "/v1/jobs?tiles=" + tiles + "&pipeline=" + HttpClient::Encode(pipeline),
         .body = image});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    if (!r) return "";
    EXPECT_EQ(r->status, 202u) << r->text();
    return json::parse(r->text(), nullptr, false).value("id", "");
  }

  json Job(const std::string& id) {
    auto r = client_->Get("/v1/jobs/" + id);
    if (!r || r->status != 200) return json::object();
    return json::parse(r->text(), nullptr, false);
  }

  bool WaitSucceeded(const std::string& id, seconds timeout) {
    return WaitFor([&] { return Job(id).value("state", "") == "succeeded"; }, timeout);
  }

  std::vector<uint8_t> Result(const std::string& id) {
    auto r = client_->Get("/v1/jobs/" + id + "/result");
    EXPECT_TRUE(r.has_value() && r->status == 200);
    return r && r->status == 200 ? r->body : std::vector<uint8_t>{};
  }

  // `tessera process` on the same input, whole-image.
  std::vector<uint8_t> Reference(const std::vector<uint8_t>& image, const std::string& pipeline) {
    fs::path in = dir_.path() / "ref-in.png", out = dir_.path() / "ref-out";
    EXPECT_TRUE(WriteFileAtomically(in, image).has_value());
    auto r = RunTessera(
        {"process", in.string(), "-o", out.string(), "-p", pipeline, "--tiles", "off", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto bytes = ReadFile(out);
    return bytes ? *bytes : std::vector<uint8_t>{};
  }

  store::S3BlobStore Store() {
    auto options = store::ParseS3Url(store_url_, {}, nullptr);
    EXPECT_TRUE(options.has_value());
    return store::S3BlobStore(*options);
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
  S3Server s3_;
  std::string store_url_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(S3ClusterTest, WholeAndTiledJobsCompleteOnTwoWorkersSharingNoDirectory) {
  auto a = StartWorker("a", 64);
  auto b = StartWorker("b", 64);
  const auto image = EncodeWithOpenCv(MakeTestPattern(900, 700, 3), ".png");
  const std::string whole_pipeline = "resize:w=400;sharpen;format:type=png";
  const std::string tiled_pipeline = "blur:sigma=3;invert;format:type=png";
  const std::string whole = Submit(image, whole_pipeline, "off");
  const std::string tiled = Submit(image, tiled_pipeline, "on");
  ASSERT_FALSE(whole.empty());
  ASSERT_FALSE(tiled.empty());

  ASSERT_TRUE(WaitSucceeded(whole, seconds(120))) << Job(whole).dump() << a->Stderr();
  ASSERT_TRUE(WaitSucceeded(tiled, seconds(180))) << Job(tiled).dump() << b->Stderr();
  EXPECT_EQ(Result(whole), Reference(image, whole_pipeline));
  EXPECT_EQ(Result(tiled), Reference(image, tiled_pipeline));
  EXPECT_EQ(Job(tiled)["execution"], "tiled (halo 9): blur:sigma=3;invert");

  // Both workers computed tiles of the tiled job (15 x 11 tiles of 64 pixels).
  EXPECT_GT(Count(a->Stderr(), "tile_done"), 0) << a->Stderr();
  EXPECT_GT(Count(b->Stderr(), "tile_done"), 0) << b->Stderr();
  // And nothing landed in their data directories but their own state.
  for (const char* name : {"data-a", "data-b"}) {
    EXPECT_FALSE(fs::exists(dir_.path() / name / "blobs" / "results")) << name;
    EXPECT_FALSE(fs::exists(dir_.path() / name / "blobs" / "tiles")) << name;
  }
  // The results are objects in the bucket.
  auto store = Store();
  EXPECT_TRUE(*store.Exists("results/" + whole));
  EXPECT_TRUE(*store.Exists("results/" + tiled));
}

TEST_F(S3ClusterTest, WorkerKilledMidJobLeavesNoPartialObjectAndTheOtherFinishes) {
  const auto image = EncodeWithOpenCv(MakeTestPattern(1600, 1200, 3), ".png");
  const std::string pipeline = "blur:sigma=4;sharpen;format:type=png";
  const std::string id = Submit(image, pipeline, "on");
  ASSERT_FALSE(id.empty());

  auto a = StartWorker("a", 64);
  ASSERT_TRUE(WaitFor([&] { return Count(a->Stderr(), "tile_done") >= 40; }, seconds(120)))
      << a->Stderr();
  a->Kill();
  ASSERT_NE(Job(id).value("state", ""), "succeeded") << "the kill came after the job";

  // Every object the server committed under a final key is whole: tiles decode completely, and
  // there is no result yet. s3rver (unlike S3) writes a PUT's body straight to the object's
  // file, so a PUT cut off by the kill leaves its part visible; such a write never completed on
  // the server, which shows as the missing metadata file s3rver writes only after the body. The
  // killed worker had one thread, so at most one such object exists.
  auto store = Store();
  auto keys = store.List("", SIZE_MAX);
  ASSERT_TRUE(keys.has_value()) << keys.error().ToString();
  int tiles = 0, cut_off = 0;
  for (const std::string& key : *keys) {
    if (key.rfind("tiles/", 0) != 0) continue;
    ++tiles;
    auto bytes = store.Get(key, UINT64_MAX);
    ASSERT_TRUE(bytes.has_value()) << key;
    if (engine::DecodeRawTile(*bytes).has_value()) continue;
    const fs::path metadata =
        s3_.data_dir() / s3_.bucket() / "cluster" / (key + "._S3rver_metadata.json");
    EXPECT_FALSE(fs::exists(metadata)) << key << " is not a whole tile, yet s3rver committed it";
    ++cut_off;
  }
  EXPECT_GT(tiles, 40);
  EXPECT_LE(cut_off, 1);
  EXPECT_FALSE(*store.Exists("results/" + id));

  auto b = StartWorker("b", 64);
  ASSERT_TRUE(WaitSucceeded(id, seconds(240))) << Job(id).dump() << b->Stderr();
  EXPECT_EQ(Result(id), Reference(image, pipeline));
}

// A job whose input is an object already in the bucket and whose output goes to a key the
// client names, over HTTP (query form and JSON form); references outside the store, into
// tessera's own namespaces or to a missing object are refused before anything is queued.
TEST_F(S3ClusterTest, JobsReadAndWriteObjectsByReference) {
  auto a = StartWorker("a", 256);
  auto store = Store();
  const auto image = EncodeWithOpenCv(MakeTestPattern(300, 200, 3), ".png");
  ASSERT_TRUE(store.Put("customer/in.png", image).has_value());
  const std::string pipeline = "resize:w=150;format:type=png";
  const std::string root = "s3://" + s3_.bucket() + "/cluster/";

  auto r = client_->Send({.method = "POST",
                          .target = "/v1/jobs?pipeline=" + HttpClient::Encode(pipeline) +
                                    "&input=" + HttpClient::Encode(root + "customer/in.png") +
                                    "&output=" + HttpClient::Encode(root + "customer/out.png")});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 202u) << r->text();
  const std::string by_query = json::parse(r->text()).value("id", "");

  const std::string body = json{
      {"input", "customer/in.png"},
      {"output", "customer/out2.png"},
      {"pipeline", pipeline}}.dump();
  r = client_->Send({.method = "POST",
                     .target = "/v1/jobs",
                     .headers = {{"Content-Type", "application/json"}},
                     .body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()}});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 202u) << r->text();
  const std::string by_json = json::parse(r->text()).value("id", "");

  ASSERT_TRUE(WaitSucceeded(by_query, seconds(120))) << Job(by_query).dump() << a->Stderr();
  ASSERT_TRUE(WaitSucceeded(by_json, seconds(120))) << Job(by_json).dump() << a->Stderr();
  const auto reference = Reference(image, pipeline);
  EXPECT_EQ(*store.Get("customer/out.png", UINT64_MAX), reference);
  EXPECT_EQ(*store.Get("customer/out2.png", UINT64_MAX), reference);
  EXPECT_EQ(Result(by_query), reference);
  // The input stayed where it was; nothing was copied under inputs/ or results/.
  EXPECT_EQ(*store.Get("customer/in.png", UINT64_MAX), image);
  EXPECT_FALSE(*store.Exists("inputs/" + by_query));
  EXPECT_FALSE(*store.Exists("results/" + by_query));

  struct Refused {
    std::string input, output;
    unsigned status;
    std::string field;
  };
  for (const Refused& c : std::vector<Refused>{
           {"s3://other-bucket/cluster/customer/in.png", "", 400, "input"},
           {root + "../x", "", 400, "input"},
           {"results/" + by_query, "", 400, "input"},
           {"customer/in.png", "results/" + by_query, 400, "output"},
           {"customer/in.png", "s3://" + s3_.bucket() + "/elsewhere/out.png", 400, "output"},
           {"file:///etc/passwd", "", 400, "input"},
           {"customer/missing.png", "", 404, "input"}}) {
    std::string target = "/v1/jobs?pipeline=invert&input=" + HttpClient::Encode(c.input);
    if (!c.output.empty()) target += "&output=" + HttpClient::Encode(c.output);
    r = client_->Send({.method = "POST", .target = target});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, c.status) << c.input << " " << c.output << ": " << r->text();
    EXPECT_EQ(json::parse(r->text(), nullptr, false)["error"].value("field", ""), c.field)
        << r->text();
  }
}

// Denied credentials stop a worker at start with an error naming the bucket and endpoint,
// rather than failing (and retrying) every job.
TEST_F(S3ClusterTest, AWorkerWithDeniedCredentialsStopsAtOnceNamingTheStore) {
  const auto start = std::chrono::steady_clock::now();
  auto r = RunTessera({"worker", "--data-dir", (dir_.path() / "data-denied").string(), "--queue",
                       redis_->url(), "--store", store_url_, "--s3-access-key", "WRONGKEY",
                       "--s3-secret-key", "WRONGSECRET"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("S3 denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'" + s3_.bucket() + "'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(s3_.endpoint()), std::string::npos) << r.err;
  EXPECT_LT(took, seconds(5));
}

}  // namespace
}  // namespace tessera::testing
