#include "api/grpc/reflection_v1.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace tessera::api::grpc {

namespace {

namespace pb = google::protobuf;
namespace v1 = ::grpc::reflection::v1;

void SetError(v1::ServerReflectionResponse& response, ::grpc::StatusCode code,
              const std::string& message) {
  auto* error = response.mutable_error_response();
  error->set_error_code(static_cast<int32_t>(code));
  error->set_error_message(message);
}

// `file` and, depth first, every file it imports that this answer does not hold yet: a client
// needs them all to rebuild the descriptors.
void AddFileWithImports(const pb::FileDescriptor* file, std::unordered_set<std::string>& added,
                        v1::FileDescriptorResponse& out) {
  if (!added.insert(file->name()).second) return;
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out.add_file_descriptor_proto(proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileWithImports(file->dependency(i), added, out);
  }
}

void AnswerWithFile(const pb::FileDescriptor* file, const std::string& not_found,
                    v1::ServerReflectionResponse& response) {
  if (file == nullptr) {
    SetError(response, ::grpc::StatusCode::NOT_FOUND, not_found);
    return;
  }
  std::unordered_set<std::string> added;
  AddFileWithImports(file, added, *response.mutable_file_descriptor_response());
}

class ReflectionV1Service final : public v1::ServerReflection::Service {
 public:
  // Called once the server has registered every service (the plugin's Finish, which gRPC runs
  // just after the server starts).
  void SetServices(std::vector<std::string> services) {
    std::lock_guard lock(mu_);
    services_ = std::move(services);
  }

  ::grpc::Status ServerReflectionInfo(
      ::grpc::ServerContext* context,
      ::grpc::ServerReaderWriter<v1::ServerReflectionResponse, v1::ServerReflectionRequest>* stream)
      override;

 private:
  std::vector<std::string> Services() {
    std::lock_guard lock(mu_);
    return services_;
  }

  std::mutex mu_;
  std::vector<std::string> services_;  // guarded by mu_
};

::grpc::Status ReflectionV1Service::ServerReflectionInfo(
    ::grpc::ServerContext* /*context*/,
    ::grpc::ServerReaderWriter<v1::ServerReflectionResponse, v1::ServerReflectionRequest>* stream) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  v1::ServerReflectionRequest request;
  while (stream->Read(&request)) {
    v1::ServerReflectionResponse response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    switch (request.message_request_case()) {
      case v1::ServerReflectionRequest::kFileByFilename:
        AnswerWithFile(pool->FindFileByName(request.file_by_filename()),
                       "no file named " + request.file_by_filename(), response);
        break;
      case v1::ServerReflectionRequest::kFileContainingSymbol:
        AnswerWithFile(pool->FindFileContainingSymbol(request.file_containing_symbol()),
                       "no symbol named " + request.file_containing_symbol(), response);
        break;
      case v1::ServerReflectionRequest::kFileContainingExtension: {
        const auto& asked = request.file_containing_extension();
        const pb::Descriptor* type = pool->FindMessageTypeByName(asked.containing_type());
        const pb::FieldDescriptor* extension =
            type == nullptr ? nullptr : pool->FindExtensionByNumber(type, asked.extension_number());
        AnswerWithFile(extension == nullptr ? nullptr : extension->file(),
                       "no extension " + std::to_string(asked.extension_number()) + " of " +
                           asked.containing_type(),
                       response);
        break;
      }
      case v1::ServerReflectionRequest::kAllExtensionNumbersOfType: {
        const pb::Descriptor* type =
            pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
        if (type == nullptr) {
          SetError(response, ::grpc::StatusCode::NOT_FOUND,
                   "no message type named " + request.all_extension_numbers_of_type());
          break;
        }
        std::vector<const pb::FieldDescriptor*> extensions;
        pool->FindAllExtensions(type, &extensions);
        auto* numbers = response.mutable_all_extension_numbers_response();
        numbers->set_base_type_name(type->full_name());
        for (const auto* e : extensions) numbers->add_extension_number(e->number());
        break;
      }
      case v1::ServerReflectionRequest::kListServices:
        for (const auto& name : Services()) {
          response.mutable_list_services_response()->add_service()->set_name(name);
        }
        break;
      default:
        SetError(response, ::grpc::StatusCode::UNIMPLEMENTED,
                 "the request names no reflection query this server knows");
        break;
    }
    if (!stream->Write(response)) break;
  }
  return ::grpc::Status::OK;
}

// Registers the service when the server is built and hands it the service list at the end, as
// libgrpc++_reflection's own plugin does for v1alpha.
class ReflectionV1Plugin final : public ::grpc::ServerBuilderPlugin {
 public:
  std::string name() override { return "tessera_reflection_v1"; }
  void InitServer(::grpc::ServerInitializer* si) override { si->RegisterService(service_); }
  void Finish(::grpc::ServerInitializer* si) override {
    service_->SetServices(*si->GetServiceList());
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
  bool has_sync_methods() const override { return true; }

 private:
  std::shared_ptr<ReflectionV1Service> service_ = std::make_shared<ReflectionV1Service>();
};

class ReflectionV1BuilderOption final : public ::grpc::ServerBuilderOption {
 public:
  void UpdateArguments(::grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<::grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ReflectionV1Plugin>());
  }
};

}  // namespace

std::unique_ptr<::grpc::ServerBuilderOption> ReflectionV1Option() {
  return std::make_unique<ReflectionV1BuilderOption>();
}

}  // namespace tessera::api::grpc
