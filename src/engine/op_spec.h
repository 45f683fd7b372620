// How an operation is declared: once, as data (name, parameters with types, ranges and defaults,
// halo, capability, geometry), next to its implementation in engine/ops/. The pipeline parser,
// `tessera ops`, the HTTP API's op listing and the tile planner all read these declarations;
// nothing else describes an op.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "engine/colour.h"
#include "engine/detect/detection.h"
#include "engine/image.h"
#include "engine/raster.h"

namespace tessera::engine {

// kName: a name chosen at run time rather than from fixed choices (a model, class names): 1 to
// 200 letters, digits, '_', '-' and '.', several separated by '|'.
enum class ParamType { kInt, kFloat, kBool, kEnum, kColour, kName };

// "int", "float", "bool", "enum", "colour", "name"
std::string_view ParamTypeName(ParamType type);

struct ParamSpec {
  std::string_view name;
  ParamType type = ParamType::kInt;
  std::string_view description;
  double min = 0;  // inclusive range, kInt and kFloat only
  double max = 0;
  // Canonical text of the default; empty means "no default": the parameter is optional and
  // absent unless given (the op decides what absence means), or required if `required`.
  std::string_view default_value;
  std::span<const std::string_view> choices;  // kEnum only
  bool required = false;
};

using ParamValue = std::variant<std::monostate, int64_t, double, bool, std::string, Colour>;

struct OpSpec;

// The arguments of one pipeline step: a value per declared parameter (default-filled), and
// which of them the user gave. Accessors abort on a name the op does not declare (a bug).
class Args {
 public:
  Args() = default;
  explicit Args(const OpSpec* op);

  const OpSpec& op() const { return *op_; }
  bool Given(std::string_view name) const;  // spelled out by the user
  bool Has(std::string_view name) const;    // given, or has a default
  int64_t Int(std::string_view name) const;
  double Float(std::string_view name) const;
  bool Bool(std::string_view name) const;
  const std::string& Enum(std::string_view name) const;
  const std::string& Name(std::string_view name) const;  // kName parameters
  Colour ColourValue(std::string_view name) const;

  // Used by the parser.
  void Set(size_t index, ParamValue value, bool given);
  const ParamValue& At(size_t index) const { return values_[index]; }
  bool GivenAt(size_t index) const { return given_[index]; }

  bool operator==(const Args& other) const {
    return op_ == other.op_ && values_ == other.values_ && given_ == other.given_;
  }

 private:
  size_t IndexOf(std::string_view name) const;
  const OpSpec* op_ = nullptr;
  std::vector<ParamValue> values_;
  std::vector<bool> given_;
};

// A per-sample map of the colour bands (see OpSpec::point): the exact output of one colour sample
// given only that sample, before rounding and clamping, in the image's own sample units (`max`
// is 255 for 8-bit images, 65535 for 16-bit ones). The same on every colour band.
using PointFunction = std::function<double(double sample, double max)>;

// Halo sentinel: the op reads the whole image (global), so it cannot run on tiles.
inline constexpr int kGlobalHalo = -1;

// Width x height in pixels, wide enough for products.
struct PixelSize {
  int64_t width = 0;
  int64_t height = 0;
  int64_t pixels() const { return width * height; }
};

struct OpSpec {
  std::string_view name;
  std::string_view description;
  std::span<const ParamSpec> params;
  // The worker capability needed to run this op ("core" for everything built in).
  std::string_view capability = "core";
  // When some arguments need another capability than `capability` (crop:gravity=faces needs
  // "detect"): returns it for `args`. nullptr: always `capability`. Read through CapabilityOf.
  std::string_view (*capability_for)(const Args& args) = nullptr;
  // True if the output size differs from the input size (or pixels move).
  bool changes_geometry = false;
  // True if the op reads its input out of top-to-bottom order (needs a random-access decode).
  bool reads_randomly = false;
  // Pixels of neighbourhood one output pixel reads on each side, or kGlobalHalo.
  int (*halo)(const Args& args) = nullptr;
  // Cross-parameter checks beyond each parameter's own range; nullptr if none.
  Status (*validate)(const Args& args) = nullptr;
  // Geometry ops: the size of the output for an input of `in`, or an upper bound of it where it
  // depends on the pixels. nullptr: the input's size. Read by the work estimate
  // (engine/work_estimate.h) before any pixel is decoded.
  PixelSize (*output_size)(const Args& args, PixelSize in) = nullptr;
  // Work per pixel, in sample reads per output pixel, where the rule the work estimate derives
  // from the other declarations does not fit (work_estimate.h: 1 for point ops, the two passes
  // of a separable (2 halo + 1) kernel for in-memory ops with a finite halo, 1 per output pixel
  // plus one read of the input for apply ops). Needed by ops with a global halo that run in
  // memory (Canny, detection), by resampling kernels and by the format step (encoders).
  double (*work_per_pixel)(const Args& args) = nullptr;

  // How the op runs: exactly one of `apply`, `raster`, `point` and `detect`; none for the op the
  // runner handles itself (format). engine::ApplyStep runs any op alone; engine::Process
  // additionally keeps the pixels of consecutive `raster` and `point` steps in memory: one libvips
  // -> Raster copy before the first of them and one hand-back after the last, instead of a round
  // trip per step, and consecutive `point` steps become a single table lookup.
  //
  // On a (lazy) libvips image: for ops libvips does well (resampling, geometry).
  Result<Image> (*apply)(const Image& in, const Args& args) = nullptr;
  // On pixels in memory (OpenCV or hand-written kernels). May return `in` itself or reuse its
  // buffer; must keep the sample depth and the alpha flag meaningful for the output.
  Result<Raster> (*raster)(Raster in, const Args& args) = nullptr;
  // Per-sample ops (each colour sample's output depends on that sample alone; alpha passes
  // through): the function, tabulated over every sample value (256 or 65536 entries) with
  // round-half-up and clamping per step. Running a table of tables is exactly running the steps
  // one after the other, so consecutive point steps compose without any change in the result.
  PointFunction (*point)(const Args& args) = nullptr;
  // On pixels in memory, for ops that find objects (detect, redact): like `raster`, and sets
  // what it found in `found` (boxes in the coordinates of `in`) and where the time went in
  // `times`. Runs wherever `raster` would.
  Result<Raster> (*detect)(Raster in, const Args& args, std::vector<detect::Detection>& found,
                           detect::DetectTimes& times) = nullptr;
};

// The capability a step needs (OpSpec::capability_for, else OpSpec::capability).
std::string_view CapabilityOf(const OpSpec& op, const Args& args);

// The declaration of `op`'s parameter `name`, or nullptr.
const ParamSpec* FindParam(const OpSpec& op, std::string_view name);

// True if the op can run tile by tile, for some of its arguments, and give exactly the
// whole-image pixels: it runs in memory (`raster` or `point`), keeps the geometry, reads in
// order and declares a halo that is not GlobalHalo. Whether one step does also depends on its
// arguments (its halo may be global: edges:mode=canny); see tiling/pipeline_split.h IsTileable.
bool RunsOnTiles(const OpSpec& op);

// Halo helpers for the common cases.
int NoHalo(const Args&);
int GlobalHalo(const Args&);

}  // namespace tessera::engine
