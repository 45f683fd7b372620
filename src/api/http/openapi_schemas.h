// The OpenAPI document's component schemas: the JSON bodies the native routes answer with, and
// the pipeline language, one step schema per op. The op schemas (names, parameter types,
// ranges, choices and defaults) and the op catalogue's enums are built from the op
// declarations (engine/op_registry.h), the job states and priorities from the queue's own
// names, so the document cannot disagree with what the server parses and answers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/op_spec.h"

namespace tessera::api::http::openapi {

// {"$ref": "#/components/schemas/<name>"}
nlohmann::json SchemaRef(std::string_view name);

// The name of the component schema of one pipeline step running `op`: "PipelineStep_<op>".
std::string StepSchemaName(const engine::OpSpec& op);

// The JSON Schema (OpenAPI 3.0 dialect) of one parameter of a JSON pipeline step.
nlohmann::json ParamSchema(const engine::ParamSpec& param);

// Every component schema the native routes refer to: Error, Detection, ProcessResult, Job,
// JobStatus, JobPage, JobRequest, Worker, WorkerList, Stats, Health, Readiness, Op, OpParam,
// OpCatalogue, OpenApiDocument, Pipeline, PipelineStep and one PipelineStep_<op> per op.
nlohmann::json ComponentSchemas();

}  // namespace tessera::api::http::openapi
