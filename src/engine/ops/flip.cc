// flip: mirror left-right (h) or top-bottom (v).
#include "engine/ops/ops.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kDirs[] = {"h", "v"};

constexpr ParamSpec kParams[] = {
    {.name = "dir",
     .type = ParamType::kEnum,
     .description = "h mirrors left-right, v mirrors top-bottom",
     .default_value = "h",
     .choices = kDirs},
};

Result<Image> Apply(const Image& in, const Args& a) { return vips::Flip(in, a.Enum("dir") == "h"); }

}  // namespace

const OpSpec kFlip{
    .name = "flip",
    .description = "mirror the image",
    .params = kParams,
    .changes_geometry = true,
    .reads_randomly = true,
    .halo = GlobalHalo,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
