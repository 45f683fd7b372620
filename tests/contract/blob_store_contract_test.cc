// The BlobStore contract (store/blob_store.h), run against every implementation: atomic
// replacement, key validation, idempotent delete, concurrent writers and readers.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "store/fs/fs_blob_store.h"
#include "support/temp_dir.h"

namespace tessera::store {
namespace {

struct BlobBackend {
  std::string name;
  std::function<std::unique_ptr<BlobStore>(const std::filesystem::path& scratch)> make;
};

std::vector<BlobBackend> BlobBackends() {
  return {{"fs", [](const std::filesystem::path& scratch) {
             return std::make_unique<FsBlobStore>(scratch / "blobs");
           }}};
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
