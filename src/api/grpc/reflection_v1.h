// grpc.reflection.v1.ServerReflection: the server reflection service grpcurl, Postman and
// current gRPC tools ask for first. Debian 12's libgrpc++_reflection (gRPC 1.51) serves only
// the older grpc.reflection.v1alpha (upstream added v1 in 1.57), so this answers v1 itself, from
// the same sources as v1alpha: the process's generated descriptor pool, and the list of
// services the server registered. The two versions carry the same messages under different
// package names; a server with this option serves both.
#pragma once

#include <grpcpp/impl/server_builder_option.h>

#include <memory>

namespace tessera::api::grpc {

// Pass to ServerBuilder::SetOption before BuildAndStart.
std::unique_ptr<::grpc::ServerBuilderOption> ReflectionV1Option();

}  // namespace tessera::api::grpc
