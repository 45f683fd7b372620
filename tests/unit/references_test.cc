// Which inputs and outputs by reference a job may name (jobs/references.h).
#include "jobs/references.h"

#include <gtest/gtest.h>

namespace tessera::jobs {
namespace {

Result<std::string> StoreUri(std::string_view uri) {
  constexpr std::string_view kRoot = "s3://bucket/pre/";
  if (uri.substr(0, kRoot.size()) != kRoot) {
    return MakeError(ErrorCode::kBadRequest, "is not inside this server's store");
  }
  return std::string(uri.substr(kRoot.size()));
}

TEST(References, KeysAndUrisOfTheStoreResolve) {
  ReferencePolicy policy{{}, StoreUri};
  EXPECT_EQ(*ResolveReference(policy, "customer/a.jpg", "input"), "customer/a.jpg");
  EXPECT_EQ(*ResolveReference(policy, "s3://bucket/pre/customer/a.jpg", "input"), "customer/a.jpg");
}

TEST(References, EverythingElseIsRefusedNamingTheField) {
  ReferencePolicy policy{{}, StoreUri};
  for (const char* bad : {"s3://other-bucket/pre/a.jpg", "s3://bucket/elsewhere/a.jpg",
                          "file:///etc/passwd", "../etc/passwd", "/etc/passwd", "a//b",
                          "inputs/01ARZ3NDEKTSV4RRFFQ69G5FAV", "results/01ARZ3NDEKTSV4RRFFQ69G5FAV",
                          "tiles/x/in/1", "s3://bucket/pre/results/x", "s3://bucket/pre/../x"}) {
    auto r = ResolveReference(policy, bad, "output");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kBadRequest) << bad;
    EXPECT_EQ(r.error().field, "output") << bad;
  }
}

TEST(References, AllowedPrefixesNarrowWhereReferencesMayPoint) {
  ReferencePolicy policy{{"shared/", "team-a/in"}, StoreUri};
  EXPECT_TRUE(ResolveReference(policy, "shared/x.png", "input").has_value());
  EXPECT_TRUE(ResolveReference(policy, "team-a/inbox/x.png", "input").has_value());
  EXPECT_TRUE(ResolveReference(policy, "s3://bucket/pre/shared/x.png", "input").has_value());
  EXPECT_EQ(ResolveReference(policy, "team-b/x.png", "input").error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ResolveReference(policy, "sharedx/x.png", "input").error().code,
            ErrorCode::kBadRequest);
}

TEST(References, UrisNeedATranslator) {
  ReferencePolicy policy;
  EXPECT_TRUE(ResolveReference(policy, "a/b.png", "input").has_value());
  EXPECT_EQ(ResolveReference(policy, "s3://bucket/pre/a.png", "input").error().code,
            ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace tessera::jobs
