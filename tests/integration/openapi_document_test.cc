// The OpenAPI document of a real `tessera serve --compat all`, read from /openapi.json as a
// client generator would: every operation has a unique operationId, every JSON response a typed
// schema whose references resolve, a server to send requests to, and the pipeline schemas
// describe exactly the ops the registry declares, with their ranges, choices and defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api/http/client.h"
#include "engine/op_registry.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using nlohmann::json;

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_ = ServeProcess::Start(dir_.path(), {"--compat", "all", "--workers", "0"});
    ASSERT_NE(serve_, nullptr);
    auto r = serve_->Client()->Get("/openapi.json");
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    ASSERT_EQ(r->status, 200u);
    doc_ = json::parse(r->text(), nullptr, false);
    ASSERT_TRUE(doc_.is_object()) << r->text();
  }

  // The schema a "#/components/schemas/<name>" reference names, or null.
  const json* Resolve(const std::string& ref) const {
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0) return nullptr;
    const json& schemas = doc_["components"]["schemas"];
    auto it = schemas.find(ref.substr(prefix.size()));
    return it == schemas.end() ? nullptr : &*it;
  }

  // Every "$ref" anywhere inside `node` resolves.
  void ExpectRefsResolve(const json& node, const std::string& where) const {
    if (node.is_object()) {
      if (auto ref = node.find("$ref"); ref != node.end()) {
        EXPECT_NE(Resolve(ref->get<std::string>()), nullptr) << where << ": " << *ref;
      }
      for (const auto& [key, value] : node.items()) ExpectRefsResolve(value, where + "/" + key);
    } else if (node.is_array()) {
      for (const json& value : node) ExpectRefsResolve(value, where);
    }
  }

  TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
  json doc_;
};

TEST_F(OpenApiDocumentTest, EveryOperationHasAnIdAndEveryJsonResponseATypedSchema) {
  ASSERT_TRUE(doc_["servers"].is_array());
  ASSERT_FALSE(doc_["servers"].empty());
  EXPECT_TRUE(doc_["servers"][0]["url"].is_string());

  std::set<std::string> ids;
  int operations = 0, json_responses = 0;
  for (const auto& [path, item] : doc_["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      const std::string where = method + " " + path;
      ++operations;
      ASSERT_TRUE(op.contains("operationId")) << where;
      ASSERT_TRUE(op["operationId"].is_string()) << where;
      const std::string id = op["operationId"];
      EXPECT_FALSE(id.empty()) << where;
      EXPECT_TRUE(ids.insert(id).second) << where << ": operationId " << id << " is used twice";
      ASSERT_TRUE(op["responses"].is_object()) << where;
      for (const auto& [status, response] : op["responses"].items()) {
        if (!response.contains("content")) continue;
        for (const auto& [type, media] : response["content"].items()) {
          if (type.find("json") == std::string::npos) continue;
          ++json_responses;
          const json& schema = media["schema"];
          ASSERT_TRUE(schema.is_object()) << where << " " << status << " " << type;
          EXPECT_TRUE(schema.contains("type") || schema.contains("$ref"))
              << where << " " << status << " " << type << ": " << schema.dump();
          // A bare {"type":"object"} says nothing about the body.
          if (schema.value("type", "") == "object") {
            EXPECT_TRUE(schema.contains("properties"))
                << where << " " << status << " " << type << ": " << schema.dump();
          }
        }
      }
    }
  }
  EXPECT_GE(operations, 14);  // at least the native API's
  EXPECT_GE(json_responses, 14);
  ExpectRefsResolve(doc_["paths"], "paths");
  ExpectRefsResolve(doc_["components"], "components");
  // The native operations keep the ids clients are generated with.
  for (const char* id : {"processImage", "submitJob", "listJobs", "getJob", "cancelJob",
                         "getJobResult", "retryJob", "listOps"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
}

TEST_F(OpenApiDocumentTest, PipelineSchemasAreTheRegistrysOps) {
  const json& schemas = doc_["components"]["schemas"];
  std::set<std::string> registry;
  for (const engine::OpSpec* op : engine::AllOps()) registry.insert(std::string(op->name));

  std::set<std::string> documented;
  for (const json& step : schemas["PipelineStep"]["oneOf"]) {
    const json* schema = Resolve(step["$ref"].get<std::string>());
    ASSERT_NE(schema, nullptr) << step.dump();
    ASSERT_EQ((*schema)["properties"]["op"]["enum"].size(), 1u);
    documented.insert((*schema)["properties"]["op"]["enum"][0].get<std::string>());
  }
  EXPECT_EQ(documented, registry);
  std::set<std::string> catalogue;
  for (const json& name : schemas["Op"]["properties"]["name"]["enum"]) {
    catalogue.insert(name.get<std::string>());
  }
  EXPECT_EQ(catalogue, registry);

  for (const engine::OpSpec* op : engine::AllOps()) {
    SCOPED_TRACE(std::string(op->name));
    const json& step = schemas["PipelineStep_" + std::string(op->name)];
    ASSERT_TRUE(step.is_object());
    EXPECT_EQ(step["properties"].size(), op->params.size() + 1);  // + "op"
    for (const engine::ParamSpec& p : op->params) {
      SCOPED_TRACE(std::string(p.name));
      const json& param = step["properties"][std::string(p.name)];
      ASSERT_TRUE(param.is_object());
      EXPECT_EQ(param["description"].get<std::string>(), std::string(p.description));
      switch (p.type) {
        case engine::ParamType::kInt:
        case engine::ParamType::kFloat:
          EXPECT_EQ(param["type"], p.type == engine::ParamType::kInt ? "integer" : "number");
          EXPECT_EQ(param["minimum"].get<double>(), p.min);
          EXPECT_EQ(param["maximum"].get<double>(), p.max);
          break;
        case engine::ParamType::kEnum: {
          std::vector<std::string> choices(p.choices.begin(), p.choices.end());
          EXPECT_EQ(param["enum"].get<std::vector<std::string>>(), choices);
          break;
        }
        case engine::ParamType::kBool: EXPECT_EQ(param["type"], "boolean"); break;
        default: EXPECT_EQ(param["type"], "string"); break;
      }
      EXPECT_EQ(param.contains("default"), !p.default_value.empty());
      const bool required =
          step.contains("required") && std::find(step["required"].begin(), step["required"].end(),
                                                 std::string(p.name)) != step["required"].end();
      EXPECT_EQ(required, p.required);
    }
  }
}

}  // namespace
}  // namespace tessera::testing
