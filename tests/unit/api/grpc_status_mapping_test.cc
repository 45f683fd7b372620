// The gRPC side of the error contract: every tessera error code maps to its documented gRPC
// status (the table in status_mapping.h and README), the status carries the code name, the
// field and a google.rpc.ErrorInfo.
#include <gtest/gtest.h>

#include <map>

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
      {ErrorCode::kMethodNotAllowed, StatusCode::UNIMPLEMENTED},
      {ErrorCode::kRequestTimeout, StatusCode::DEADLINE_EXCEEDED},
      {ErrorCode::kHeadersTooLarge, StatusCode::RESOURCE_EXHAUSTED},
      {ErrorCode::kUnsupportedMedia, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kCorruptImage, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kTooLarge, StatusCode::RESOURCE_EXHAUSTED},
      {ErrorCode::kTooManyPixels, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kOverBudget, StatusCode::INVALID_ARGUMENT},
      {ErrorCode::kQueueFull, StatusCode::RESOURCE_EXHAUSTED},
      {ErrorCode::kNotFound, StatusCode::NOT_FOUND},
      {ErrorCode::kConflict, StatusCode::FAILED_PRECONDITION},
      {ErrorCode::kIdempotencyKeyReused, StatusCode::INVALID_ARGUMENT},
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

}  // namespace
}  // namespace tessera::api::grpc
