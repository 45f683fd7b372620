// detect: find faces, people or objects with a model; the boxes are returned beside the image
// (engine::ProcessResult::detections) and, with draw=true, drawn on it.
#include "engine/ops/detect_common.h"
#include "engine/ops/draw_boxes.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kParams[] = {
    kModelParam,
    kConfidenceParam,
    kNmsParam,
    kMaxParam,
    kClassesParam,
    {.name = "draw",
     .type = ParamType::kBool,
     .description = "draw the boxes and labels on the image",
     .default_value = "false"},
};

Result<Raster> Detect(Raster in, const Args& args, std::vector<detect::Detection>& found,
                      detect::DetectTimes& times) {
  auto detections = DetectWithArgs(in, args, &times);
  if (!detections) return detections.error();
  if (args.Bool("draw")) DrawBoxes(in, *detections);
  found = std::move(*detections);
  return in;
}

}  // namespace

const OpSpec kDetect{
    .name = "detect",
    .description = "find faces, people or objects; boxes come back with the result",
    .params = kParams,
    .capability = "detect",
    .halo = GlobalHalo,
    .work_per_pixel = DetectWorkPerPixel,
    .detect = Detect,
};

}  // namespace tessera::engine::ops
