// The BlobStore contract (store/blob_store.h), run against every implementation: atomic
// replacement, key validation, idempotent delete, concurrent writers and readers, ranged reads,
// streaming to and from files, listing. The S3 store runs against a real s3rver on a loopback
// port (one server for the suite, a fresh key prefix per test).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "core/file_io.h"
#include "store/fs/fs_blob_store.h"
#include "store/s3/s3_blob_store.h"
#include "support/s3_server.h"
#include "support/temp_dir.h"

namespace tessera::store {
namespace {

struct BlobBackend {
  std::string name;
  // Whether the backend's server replaces objects atomically (s3rver does not; see
  // support/s3_server.h), so that the partial-read race says something about tessera.
  bool server_replaces_atomically = true;
  std::function<std::unique_ptr<BlobStore>(const std::filesystem::path& scratch)> make;
};

// One s3rver for the whole suite (started on first use, killed at exit).
testing::S3Server& SharedS3Server() {
  static testing::S3Server server;
  static const bool started = [] {
    Status s = server.Start();
    if (!s) ADD_FAILURE() << "s3 backend: " << s.error().ToString() << s.error().detail;
    return s.has_value();
  }();
  (void)started;
  return server;
}

// Small multipart sizes, so the suite's 12 MB objects go up in three parts.
std::unique_ptr<BlobStore> MakeS3Store() {
  static std::atomic<int> next{0};
  testing::S3Server& server = SharedS3Server();
  auto options = ParseS3Url(
      server.StoreUrl("contract-" + std::to_string(::getpid()) + "-" + std::to_string(next++),
                      "&part_size_mb=5&multipart_threshold_mb=5"),
      {}, nullptr);
  EXPECT_TRUE(options.has_value()) << options.error().ToString();
  return std::make_unique<S3BlobStore>(*options);
}

std::vector<BlobBackend> BlobBackends() {
  std::vector<BlobBackend> backends(2);
  backends[0].name = "fs";
  backends[0].make = [](const std::filesystem::path& scratch) {
    return std::make_unique<FsBlobStore>(scratch / "blobs");
  };
  backends[1].name = "s3";
  backends[1].make = [](const std::filesystem::path&) { return MakeS3Store(); };
  backends[1].server_replaces_atomically = false;
  return backends;
}

void PrintTo(const BlobBackend& b, std::ostream* os) { *os << b.name; }

class BlobStoreContract : public ::testing::TestWithParam<BlobBackend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }
  testing::TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST_P(BlobStoreContract, PutThenGetReturnsTheBytes) {
  ASSERT_TRUE(store_->Put("inputs/a/b.jpg", Bytes("hello")).has_value());
  auto got = store_->Get("inputs/a/b.jpg");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, Bytes("hello"));
  auto info = store_->Stat("inputs/a/b.jpg");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, 5u);
  EXPECT_TRUE(*store_->Exists("inputs/a/b.jpg"));
}

TEST_P(BlobStoreContract, EmptyObjectsAreObjects) {
  ASSERT_TRUE(store_->Put("empty", {}).has_value());
  EXPECT_TRUE(*store_->Exists("empty"));
  EXPECT_TRUE(store_->Get("empty")->empty());
}

TEST_P(BlobStoreContract, PutReplacesAndSameBytesAgainIsHarmless) {
  ASSERT_TRUE(store_->Put("k", Bytes("one")).has_value());
  ASSERT_TRUE(store_->Put("k", Bytes("two!")).has_value());
  ASSERT_TRUE(store_->Put("k", Bytes("two!")).has_value());
  EXPECT_EQ(*store_->Get("k"), Bytes("two!"));
}

TEST_P(BlobStoreContract, MissingObjectsAreNotFound) {
  EXPECT_EQ(store_->Get("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Stat("nope").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*store_->Exists("nope"));
  EXPECT_FALSE(*store_->Exists("nope/deeper"));
}

TEST_P(BlobStoreContract, DeleteIsIdempotent) {
  ASSERT_TRUE(store_->Put("d", Bytes("x")).has_value());
  EXPECT_TRUE(store_->Delete("d").has_value());
  EXPECT_TRUE(store_->Delete("d").has_value());
  EXPECT_FALSE(*store_->Exists("d"));
}

TEST_P(BlobStoreContract, GetRefusesObjectsOverTheLimit) {
  ASSERT_TRUE(store_->Put("big", Bytes("0123456789")).has_value());
  EXPECT_EQ(store_->Get("big", 9).error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(store_->Get("big", 10).has_value());
}

TEST_P(BlobStoreContract, BadKeysAreRejectedBeforeTouchingTheBackend) {
  for (const char* key : {"", "/abs", "a//b", "../escape", "a/../../b", "a/./b", "sp ace",
                          "new\nline", "quote\"", "back\\slash", "a/"}) {
    auto put = store_->Put(key, Bytes("x"));
    ASSERT_FALSE(put.has_value()) << key;
    EXPECT_EQ(put.error().code, ErrorCode::kBadRequest) << key;
    EXPECT_EQ(put.error().field, "key");
    EXPECT_EQ(store_->Get(key).error().code, ErrorCode::kBadRequest) << key;
    EXPECT_EQ(store_->Delete(key).error().code, ErrorCode::kBadRequest) << key;
  }
  std::string longest =
      std::string(200, 'a') + "/" + std::string(200, 'b') + "/" + std::string(110, 'c');
  ASSERT_EQ(longest.size(), 512u);
  EXPECT_TRUE(store_->Put(longest, Bytes("x")).has_value());
  EXPECT_EQ(store_->Put(longest + "c", Bytes("x")).error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(store_->Put(std::string(201, 'a'), Bytes("x")).error().code, ErrorCode::kBadRequest);
}

// Readers racing a writer that alternates two contents must only ever see one of them whole.
TEST_P(BlobStoreContract, ReadersNeverSeeAPartialObject) {
  if (!GetParam().server_replaces_atomically) {
    GTEST_SKIP() << "the test server writes objects in place; S3 itself replaces atomically";
  }
  std::vector<uint8_t> a(256 * 1024, 'a'), b(300 * 1024, 'b');
  ASSERT_TRUE(store_->Put("race", a).has_value());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread writer([&] {
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(store_->Put("race", i % 2 ? a : b).has_value());
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        auto got = store_->Get("race");
        ++reads;
        if (!got || !(*got == a || *got == b)) ++bad;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(reads.load(), 0);
}

TEST_P(BlobStoreContract, PingSucceeds) { EXPECT_TRUE(store_->Ping().has_value()); }

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 2463534242u;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

TEST_P(BlobStoreContract, GetRangeReadsTheBytesAsked) {
  ASSERT_TRUE(store_->Put("r", Bytes("0123456789")).has_value());
  EXPECT_EQ(*store_->GetRange("r", 0, 4), Bytes("0123"));
  EXPECT_EQ(*store_->GetRange("r", 3, 2), Bytes("34"));
  EXPECT_EQ(*store_->GetRange("r", 8, 100), Bytes("89"));  // clipped at the end
  EXPECT_EQ(*store_->GetRange("r", 0, UINT64_MAX), Bytes("0123456789"));
  EXPECT_TRUE(store_->GetRange("r", 10, 5)->empty());  // at the end
  EXPECT_TRUE(store_->GetRange("r", 50, 5)->empty());  // past it
  EXPECT_TRUE(store_->GetRange("r", 2, 0)->empty());
  EXPECT_EQ(store_->GetRange("nope", 0, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetRange("nope", 0, 0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetRange("../x", 0, 1).error().code, ErrorCode::kBadRequest);
}

// 12 MB: over the S3 store's (test) multipart threshold, so it goes up in parts.
TEST_P(BlobStoreContract, LargeObjectsStreamThroughFilesWhole) {
  const std::vector<uint8_t> big = Pattern(12 * 1024 * 1024 + 17);
  const auto src = dir_.path() / "src.bin";
  ASSERT_TRUE(WriteFileAtomically(src, big).has_value());
  Status put = store_->PutFile("large/file", src);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_EQ(store_->Stat("large/file")->size, big.size());

  const auto dst = dir_.path() / "out" / "dst.bin";
  Status got = store_->GetToFile("large/file", dst);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*ReadFile(dst), big);
  EXPECT_EQ(
      *store_->GetRange("large/file", 10 * 1024 * 1024, 5),
      std::vector<uint8_t>(big.begin() + 10 * 1024 * 1024, big.begin() + 10 * 1024 * 1024 + 5));

  // The same size from memory.
  ASSERT_TRUE(store_->Put("large/memory", big).has_value());
  EXPECT_EQ(*store_->Get("large/memory"), big);
}

TEST_P(BlobStoreContract, GetToFileLeavesTheFileAloneOnFailure) {
  const auto dst = dir_.path() / "out" / "keep.bin";
  ASSERT_TRUE(WriteFileAtomically(dst, Bytes("old")).has_value());
  EXPECT_EQ(store_->GetToFile("nope", dst).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->Put("ten", Bytes("0123456789")).has_value());
  EXPECT_EQ(store_->GetToFile("ten", dst, 9).error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(*ReadFile(dst), Bytes("old"));
  EXPECT_TRUE(store_->GetToFile("ten", dst, 10).has_value());
  EXPECT_EQ(*ReadFile(dst), Bytes("0123456789"));
  // Nothing but the file itself is left in its directory.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dst.parent_path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST_P(BlobStoreContract, PutFileOfAMissingFileIsAnError) {
  Status put = store_->PutFile("k", dir_.path() / "absent");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*store_->Exists("k"));
}

TEST_P(BlobStoreContract, ListGivesKeysUnderAPrefixInOrder) {
  for (const char* key : {"results/b", "results/a", "inputs/x/1", "inputs/x/2", "inputs/y", "i"}) {
    ASSERT_TRUE(store_->Put(key, Bytes("x")).has_value()) << key;
  }
  using Keys = std::vector<std::string>;
  EXPECT_EQ(*store_->List("inputs/"), (Keys{"inputs/x/1", "inputs/x/2", "inputs/y"}));
  EXPECT_EQ(*store_->List("inputs/x"), (Keys{"inputs/x/1", "inputs/x/2"}));
  EXPECT_EQ(*store_->List("in"), (Keys{"inputs/x/1", "inputs/x/2", "inputs/y"}));
  EXPECT_EQ(*store_->List("results"), (Keys{"results/a", "results/b"}));
  EXPECT_EQ(*store_->List(""),
            (Keys{"i", "inputs/x/1", "inputs/x/2", "inputs/y", "results/a", "results/b"}));
  EXPECT_EQ(*store_->List("", 2), (Keys{"i", "inputs/x/1"}));
  EXPECT_TRUE(store_->List("nothing/")->empty());
  ASSERT_TRUE(store_->Delete("inputs/y").has_value());
  EXPECT_EQ(*store_->List("inputs/"), (Keys{"inputs/x/1", "inputs/x/2"}));
  for (const char* bad : {"/abs", "a//", "../", "sp ace"}) {
    auto listed = store_->List(bad);
    ASSERT_FALSE(listed.has_value()) << bad;
    EXPECT_EQ(listed.error().code, ErrorCode::kBadRequest) << bad;
    EXPECT_EQ(listed.error().field, "prefix") << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BlobStoreContract, ::testing::ValuesIn(BlobBackends()),
                         [](const auto& info) { return info.param.name; });

// fs only: no temporary file is left after Puts, and stale ones from crashed writers are swept.
TEST(FsBlobStore, LeavesNoTemporariesAndSweepsStaleOnes) {
  testing::TempDir dir;
  FsBlobStore store(dir.path());
  ASSERT_TRUE(store.Put("x/y", Bytes("abc")).has_value());
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    files += e.is_regular_file();
  }
  EXPECT_EQ(files, 1u);
  std::filesystem::path stale = dir.path() / "x" / ".y.tmp-deadbeef";
  { std::ofstream(stale) << "partial"; }
  std::filesystem::last_write_time(
      stale, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  auto removed = store.RemoveStaleTemporaries(std::chrono::hours(1));
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(*store.Exists("x/y"));
}

}  // namespace
}  // namespace tessera::store
