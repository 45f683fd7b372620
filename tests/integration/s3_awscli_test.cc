// Interoperability of tessera's S3 store with an independent S3 client, Debian's awscli, against
// the same s3rver: awscli reads byte for byte what tessera wrote (a single PUT and a multipart
// upload), tessera reads byte for byte what awscli wrote (awscli also uploads large files in
// parts), and each lists the other's objects.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_io.h"
#include "store/s3/s3_blob_store.h"
#include "support/s3_server.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;

std::vector<uint8_t> Noise(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x >> 7);
  }
  return v;
}

class S3AwsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = server_.Start();
    ASSERT_TRUE(s.has_value()) << s.error().ToString() << s.error().detail;
    auto options = store::ParseS3Url(
        server_.StoreUrl("interop", "&multipart_threshold_mb=8&part_size_mb=5"), {}, nullptr);
    ASSERT_TRUE(options.has_value());
    store_ = std::make_unique<store::S3BlobStore>(*options);
  }

  // Runs Debian's aws (its own /usr/bin/python3) with the server's credentials and no user
  // configuration.
  ProcessOutput Aws(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "PATH=/usr/bin:/bin",
                                     "HOME=" + dir_.path().string(),
                                     "AWS_ACCESS_KEY_ID=" + std::string(S3Server::kAccessKey),
                                     "AWS_SECRET_ACCESS_KEY=" + std::string(S3Server::kSecretKey),
                                     "AWS_DEFAULT_REGION=us-east-1",
                                     "AWS_EC2_METADATA_DISABLED=true",
                                     "/usr/bin/aws",
                                     "--endpoint-url",
                                     server_.endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }

  std::string Uri(const std::string& key) const {
    return "s3://" + server_.bucket() + "/interop/" + key;
  }

  TempDir dir_;
  S3Server server_;
  std::unique_ptr<store::S3BlobStore> store_;
};

TEST_F(S3AwsCliTest, AwsCliReadsWhatTesseraWrote) {
  const auto small = Noise(1 << 20, 1);
  const auto large = Noise(13 * 1024 * 1024 + 5, 2);  // three parts of 5 MiB
  ASSERT_TRUE(store_->Put("from-tessera/small.bin", small).has_value());
  const fs::path src = dir_.path() / "large-src.bin";
  ASSERT_TRUE(WriteFileAtomically(src, large).has_value());
  Status put = store_->PutFile("from-tessera/large.bin", src);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();

  for (const auto& [key, bytes] :
       {std::pair{"small.bin", &small}, std::pair{"large.bin", &large}}) {
    const fs::path out = dir_.path() / ("aws-" + std::string(key));
    auto r = Aws(
        {"s3", "cp", "--only-show-errors", Uri("from-tessera/" + std::string(key)), out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(*ReadFile(out), *bytes) << key;
  }
  auto listed = Aws({"s3", "ls", Uri("from-tessera/")});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(std::to_string(small.size()) + " small.bin"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find(std::to_string(large.size()) + " large.bin"), std::string::npos)
      << listed.out;
}

TEST_F(S3AwsCliTest, TesseraReadsWhatAwsCliWrote) {
  const auto small = Noise(1 << 20, 3);
  const auto large = Noise(20 * 1024 * 1024 + 11, 4);  // awscli: multipart from 8 MiB
  const fs::path small_src = dir_.path() / "small-src.bin",
                 large_src = dir_.path() / "large-src.bin";
  ASSERT_TRUE(WriteFileAtomically(small_src, small).has_value());
  ASSERT_TRUE(WriteFileAtomically(large_src, large).has_value());
  for (const auto& [src, key] :
       {std::pair{small_src, "small.bin"}, std::pair{large_src, "large.bin"}}) {
    auto r =
        Aws({"s3", "cp", "--only-show-errors", src.string(), Uri("from-aws/" + std::string(key))});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  auto got = store_->Get("from-aws/small.bin", UINT64_MAX);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, small);
  const fs::path out = dir_.path() / "tessera-large.bin";
  Status streamed = store_->GetToFile("from-aws/large.bin", out, UINT64_MAX);
  ASSERT_TRUE(streamed.has_value()) << streamed.error().ToString();
  EXPECT_EQ(*ReadFile(out), large);
  auto range = store_->GetRange("from-aws/large.bin", 9 * 1024 * 1024, 100);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(*range, std::vector<uint8_t>(large.begin() + 9 * 1024 * 1024,
                                         large.begin() + 9 * 1024 * 1024 + 100));
  auto keys = store_->List("from-aws/", SIZE_MAX);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(*keys, (std::vector<std::string>{"from-aws/large.bin", "from-aws/small.bin"}));
}

}  // namespace
}  // namespace tessera::testing
