// What the detection ops (detect, redact, crop:gravity=faces, thumbnail:crop=faces) share: the
// parameters that choose a model and filter its output, and running a model on a raster.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/detection.h"
#include "engine/op_spec.h"
#include "engine/raster.h"

namespace tessera::engine::ops {

inline constexpr ParamSpec kModelParam{
    .name = "model",
    .type = ParamType::kName,
    .description =
        "detection model: face, face_alt, face_lbp, profile_face, eye, full_body, "
        "upper_body, people, or a YOLO manifest in the models directory",
    .default_value = "face"};
inline constexpr ParamSpec kConfidenceParam{.name = "confidence",
                                            .type = ParamType::kFloat,
                                            .description = "keep detections scoring at least this",
                                            .min = 0,
                                            .max = 1,
                                            .default_value = "0.25"};
inline constexpr ParamSpec kNmsParam{
    .name = "nms",
    .type = ParamType::kFloat,
    .description = "YOLO: drop a box overlapping a better one of its class by more IoU than this",
    .min = 0,
    .max = 1,
    .default_value = "0.45"};
inline constexpr ParamSpec kMaxParam{.name = "max",
                                     .type = ParamType::kInt,
                                     .description = "keep at most this many detections, best first",
                                     .min = 1,
                                     .max = 1000,
                                     .default_value = "100"};
inline constexpr ParamSpec kClassesParam{
    .name = "classes",
    .type = ParamType::kName,
    .description =
        "keep only these classes, '|'-separated (e.g. person|car; '_' matches a space); "
        "default all"};

// Runs the model named by `args` ("model", "confidence", "nms", "max", "classes") on the
// raster (any depth or band count: converted to 8-bit BGR). Detections carry the raster's size.
// Errors: detect::FindModel's (kBadRequest unknown model, kUnavailable unloadable model).
// With `times`, sets where the time went.
Result<std::vector<detect::Detection>> DetectWithArgs(const Raster& raster, const Args& args,
                                                      detect::DetectTimes* times = nullptr);

// OpSpec::work_per_pixel of detect and redact: a cascade's or HOG's multi-scale window scan
// costs a few hundred reads per pixel (YOLO networks see a fixed-size input and cost less).
double DetectWorkPerPixel(const Args& args);

// Runs `model` with its defaults (confidence 0.25, at most 100) on the raster.
Result<std::vector<detect::Detection>> DetectWithModel(const Raster& raster,
                                                       const std::string& model);

}  // namespace tessera::engine::ops
