// Parsing of s3:// store URLs and where credentials and region come from.
#include "store/s3/s3_options.h"

#include <gtest/gtest.h>

#include <map>

namespace tessera::store {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(S3Options, ParsesBucketPrefixAndParameters) {
  auto o = ParseS3Url(
      "s3://my-bucket/some/prefix/?endpoint=http://127.0.0.1:9000/&region=eu-west-1&path_style=1"
      "&ca_file=%2Fetc%2Fca.pem&timeout_ms=1500&max_attempts=3&part_size_mb=8",
      {}, Env({}));
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_EQ(o->bucket, "my-bucket");
  EXPECT_EQ(o->prefix, "some/prefix");
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_TRUE(o->path_style);
  EXPECT_EQ(o->ca_file, "/etc/ca.pem");
  EXPECT_EQ(o->request_timeout.count(), 1500);
  EXPECT_EQ(o->max_attempts, 3);
  EXPECT_EQ(o->part_size, 8u << 20);
  EXPECT_TRUE(o->credentials.access_key.empty());
  EXPECT_EQ(Describe(*o),
            "s3://my-bucket/some/prefix at http://127.0.0.1:9000 (path-style, region eu-west-1, "
            "unsigned)");
}

TEST(S3Options, WithoutAnEndpointItIsAwsWithVirtualHosts) {
  auto o = ParseS3Url("s3://bucket", {}, Env({{"AWS_REGION", "ap-south-1"}}));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->endpoint, "https://s3.ap-south-1.amazonaws.com");
  EXPECT_FALSE(o->path_style);
  EXPECT_EQ(o->region, "ap-south-1");
  EXPECT_EQ(o->prefix, "");
}

TEST(S3Options, CredentialsComeFromFlagsThenUrlThenAwsThenMinioNames) {
  auto env = Env({{"AWS_ACCESS_KEY_ID", "awsk"},
                  {"AWS_SECRET_ACCESS_KEY", "awss"},
                  {"AWS_SESSION_TOKEN", "tok"},
                  {"MINIO_ACCESS_KEY", "mk"},
                  {"MINIO_SECRET_KEY", "ms"}});
  auto flags = ParseS3Url("s3://bucket?access_key=uk&secret_key=us", {"fk", "fs", ""}, env);
  EXPECT_EQ(flags->credentials.access_key, "fk");
  auto url = ParseS3Url("s3://bucket?access_key=uk&secret_key=us", {}, env);
  EXPECT_EQ(url->credentials.access_key, "uk");
  EXPECT_EQ(url->credentials.secret_key, "us");
  auto aws = ParseS3Url("s3://bucket", {}, env);
  EXPECT_EQ(aws->credentials.access_key, "awsk");
  EXPECT_EQ(aws->credentials.session_token, "tok");
  auto minio =
      ParseS3Url("s3://bucket", {}, Env({{"MINIO_ACCESS_KEY", "mk"}, {"MINIO_SECRET_KEY", "ms"}}));
  EXPECT_EQ(minio->credentials.access_key, "mk");
  EXPECT_EQ(minio->credentials.secret_key, "ms");
  auto root = ParseS3Url("s3://bucket", {},
                         Env({{"MINIO_ROOT_USER", "ru"}, {"MINIO_ROOT_PASSWORD", "rp"}}));
  EXPECT_EQ(root->credentials.access_key, "ru");
  // Half a pair is a mistake, not a fallback.
  auto half = ParseS3Url("s3://bucket?access_key=only", {}, env);
  ASSERT_FALSE(half.has_value());
  EXPECT_EQ(half.error().code, ErrorCode::kBadRequest);
}

TEST(S3Options, RejectsMalformedUrls) {
  for (const char* bad :
       {"s3://", "s3://Upper", "s3://ab", "s3://bucket_x", "s3://bucket/../x", "s3://bucket/a b",
        "s3://bucket?endpoint=ftp://x", "s3://bucket?endpoint=http://h/path",
        "s3://bucket?path_style=maybe", "s3://bucket?timeout_ms=0", "s3://bucket?part_size_mb=1",
        "s3://bucket?colour=blue", "s3://bucket?region=EU%20west", "file:///x"}) {
    auto o = ParseS3Url(bad, {}, Env({}));
    ASSERT_FALSE(o.has_value()) << bad;
    EXPECT_EQ(o.error().code, ErrorCode::kBadRequest) << bad;
    EXPECT_EQ(o.error().field, "store") << bad;
  }
}

}  // namespace
}  // namespace tessera::store
