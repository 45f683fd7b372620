#include "engine/work_estimate.h"

#include <cmath>

#include "engine/ops/ops.h"

namespace tessera::engine {
namespace {

constexpr double kPerMillion = 1e-6;
// Decoding (entropy decoding, IDCT, colour conversion) per input pixel, from the header's size:
// an upper bound where shrink-on-load decodes fewer.
constexpr double kDecodeReadsPerPixel = 10;
// In-memory ops with a global halo and no work_per_pixel of their own: assume a heavy one.
constexpr double kUnknownGlobalWork = 100;

double WorkPerPixel(const OpSpec& op, const Args& args) {
  if (op.work_per_pixel != nullptr) return op.work_per_pixel(args);
  if (op.point != nullptr) return 1;
  if (op.apply != nullptr) return 1;
  const int halo = op.halo != nullptr ? op.halo(args) : 0;
  if (halo == kGlobalHalo) return kUnknownGlobalWork;
  return 2.0 * (2.0 * halo + 1.0);
}

// The format step's args with its type set to the format actually written.
Args EncoderArgs(const Pipeline& pipeline, Format out) {
  const Step* f = pipeline.FormatStep();
  const std::string type(FormatName(out));
  if (f != nullptr && f->args.Has("type")) return f->args;
  if (f != nullptr) {
    Args a = f->args;
    for (size_t i = 0; i < f->op->params.size(); ++i) {
      if (f->op->params[i].name == "type") a.Set(i, ParamValue(type), false);
    }
    return a;
  }
  auto parsed = ParsePipelineText("format:type=" + type);
  if (parsed && !parsed->steps.empty()) return parsed->steps.front().args;
  return Args(&ops::kFormat);  // not reached: every Format has a name the parser accepts
}

std::string StepText(const Step& step) {
  Pipeline one;
  one.steps.push_back(step);
  return one.ToText();
}

std::string SizeText(PixelSize s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height);
}

}  // namespace

std::string WorkText(double work) {
  std::string digits = std::to_string(static_cast<int64_t>(std::ceil(work)));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

WorkEstimate EstimateWork(const Pipeline& pipeline, const ImageInfo& info, bool auto_orient) {
  WorkEstimate e;
  PixelSize size{auto_orient ? info.oriented_width() : info.width,
                 auto_orient ? info.oriented_height() : info.height};
  e.decode = kDecodeReadsPerPixel * static_cast<double>(size.pixels()) * kPerMillion;
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    const Step& step = pipeline.steps[i];
    if (step.op == &ops::kFormat) continue;
    const OpSpec& op = *step.op;
    StepWork w;
    w.index = i;
    w.in = size;
    w.out = op.output_size != nullptr ? op.output_size(step.args, size) : size;
    const double per_pixel = WorkPerPixel(op, step.args);
    if (op.apply != nullptr) {
      w.work =
          (static_cast<double>(w.in.pixels()) + per_pixel * static_cast<double>(w.out.pixels())) *
          kPerMillion;
    } else {
      w.work = per_pixel * static_cast<double>(w.in.pixels()) * kPerMillion;
    }
    size = w.out;
    e.total += w.work;
    e.steps.push_back(w);
  }
  const Args encoder = EncoderArgs(pipeline, OutputFormat(pipeline, info.format));
  e.encode = WorkPerPixel(ops::kFormat, encoder) * static_cast<double>(size.pixels()) * kPerMillion;
  e.total += e.decode + e.encode;
  return e;
}

Status CheckStepCount(const Pipeline& pipeline, const Limits& limits) {
  if (pipeline.steps.size() > static_cast<size_t>(limits.max_steps)) {
    return MakeError(ErrorCode::kOverBudget,
                     "the pipeline has " + std::to_string(pipeline.steps.size()) +
                         " steps; at most " + std::to_string(limits.max_steps) + " are allowed",
                     "pipeline");
  }
  return OkStatus();
}

Status CheckWork(const Pipeline& pipeline, const WorkEstimate& estimate, const Limits& limits) {
  if (Status ok = CheckStepCount(pipeline, limits); !ok) return ok;
  // A step that would make more pixels than allowed is refused for that, the more precise
  // reason (as engine::Process would when building the step, before computing it).
  for (const StepWork& w : estimate.steps) {
    if (static_cast<uint64_t>(w.out.pixels()) > limits.max_output_pixels) {
      const std::string op(pipeline.steps[w.index].op->name);
      return MakeError(ErrorCode::kTooManyPixels,
                       op + " would make a " + SizeText(w.out) + " image; the limit is " +
                           std::to_string(limits.max_output_pixels) +
                           " pixels (--max-output-pixels)",
                       op);
    }
  }
  for (const StepWork& w : estimate.steps) {
    if (w.work > limits.max_step_work) {
      return MakeError(
          ErrorCode::kOverBudget,
          "step " + std::to_string(w.index + 1) + " (" + StepText(pipeline.steps[w.index]) +
              ") on a " + SizeText(w.in) + " image costs about " + WorkText(w.work) +
              " work units; one step may cost at most " + WorkText(limits.max_step_work) +
              " (a smaller radius or a smaller image fits)",
          "pipeline[" + std::to_string(w.index) + "]");
    }
  }
  if (estimate.total > limits.max_pipeline_work) {
    return MakeError(ErrorCode::kOverBudget,
                     "the pipeline costs about " + WorkText(estimate.total) +
                         " work units on this image; at most " +
                         WorkText(limits.max_pipeline_work) + " are allowed",
                     "pipeline");
  }
  return OkStatus();
}

}  // namespace tessera::engine
