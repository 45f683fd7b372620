// The gRPC side of the error contract: every tessera error code maps to its documented gRPC
// status (the table in status_mapping.h and README), the status carries the code name, the
// field and a google.rpc.ErrorInfo; and API keys are accepted only as "Bearer <key>".
#include <gtest/gtest.h>

#include <map>

#include "api/grpc/api_key_check.h"
#include "api/grpc/status_mapping.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tessera::api::grpc {
namespace {

using ::grpc::StatusCode;

TEST(GrpcStatusMappingTest, EveryCodeMapsToItsDocumentedStatus) {
  const std::map<ErrorCode, StatusCode> table = {
      {ErrorCode::kBadPipeline, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kBadRequest, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kUnsupportedMedia, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kCorruptImage, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kTooLarge, StatusCode::RESOURCE_EXHAUSTED},
      {ErrorCode::kTooManyPixels, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kQueueFull, StatusCode::RESOURCE_EXHAUSTED},
      {ErrorCode::kNotFound, StatusCode::NOT_FOUND},
      {ErrorCode::kConflict, StatusCode::FAILED_PRECONDITION},
      {ErrorCode::kUnauthorized, StatusCode::UNAUTHENTICATED},
      {ErrorCode::kUnavailable, StatusCode::UNAVAILABLE},
      {ErrorCode::kDeadlineExceeded, StatusCode::DEADLINE_EXCEEDED},
      {ErrorCode::kCancelled, StatusCode::CANCELLED},
      {ErrorCode::kIo, StatusCode::INTERNAL},
      {ErrorCode::kInternal, StatusCode::INTERNAL},
  };
  // The table covers the whole enum (kInternal is its last value).
  EXPECT_EQ(table.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
  for (const auto& [code, status] : table) {
    EXPECT_EQ(GrpcCodeFor(code), status) << CodeName(code);
  }
}

TEST(GrpcStatusMappingTest, StatusCarriesCodeFieldAndErrorInfo) {
  auto status =
      ToGrpcStatus(MakeError(ErrorCode::kTooManyPixels, "too big", "image"), /*context=*/nullptr);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "too_many_pixels: image: too big");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), status.error_message());
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "too_many_pixels");
  EXPECT_EQ(info.domain(), "tessera");
  EXPECT_EQ(info.metadata().at("field"), "image");

  auto no_field = ToGrpcStatus(MakeError(ErrorCode::kNotFound, "no job x"), nullptr);
  ASSERT_TRUE(details.ParseFromString(no_field.error_details()));
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_TRUE(info.metadata().empty());
}

TEST(ApiKeyCheckTest, NoKeysAcceptsEverything) {
  ApiKeyCheck open({});
  EXPECT_TRUE(open.open());
  EXPECT_TRUE(open.Check("").has_value());
  EXPECT_TRUE(open.Check("Bearer anything").has_value());
}

TEST(ApiKeyCheckTest, OnlyBearerWithAConfiguredKeyPasses) {
  ApiKeyCheck keys({"k1-secret", "k2-other"});
  EXPECT_FALSE(keys.open());
  EXPECT_TRUE(keys.Check("Bearer k1-secret").has_value());
  EXPECT_TRUE(keys.Check("Bearer k2-other").has_value());
  for (std::string_view bad : {"", "Bearer ", "Bearer k1-secre", "Bearer k1-secretX",
                               "bearer k1-secret", "k1-secret", "Basic k1-secret"}) {
    auto s = keys.Check(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kUnauthorized) << bad;
    EXPECT_EQ(s.error().field, "authorization");
  }
}

}  // namespace
}  // namespace tessera::api::grpc
