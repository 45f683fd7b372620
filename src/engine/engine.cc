#include "engine/engine.h"

#include <algorithm>
#include <cmath>

#include "engine/format_sniff.h"
#include "engine/ops/cv_bridge.h"
#include "engine/ops/ops.h"
#include "engine/ops/point_table.h"
#include "engine/ops/resize.h"
#include "engine/ops/thumbnail.h"
#include "engine/process_steps.h"
#include "engine/truncation.h"
#include "engine/vips/vips_adapter.h"
#include "engine/work_estimate.h"

namespace tessera::engine {
namespace {

std::string Dimensions(uint64_t w, uint64_t h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

Result<Format> FormatFromName(const std::string& name) {
  if (name == "jpeg" || name == "jpg") return Format::kJpeg;
  if (name == "png") return Format::kPng;
  if (name == "webp") return Format::kWebp;
  if (name == "avif") return Format::kAvif;
  if (name == "heif") return Format::kHeif;
  if (name == "tiff") return Format::kTiff;
  if (name == "gif") return Format::kGif;
  return MakeError(ErrorCode::kBadPipeline, "unknown format " + name, "format.type");
}

vips::EncodeOptions EncodeOptionsFor(const Pipeline& pipeline, Format input_format) {
  vips::EncodeOptions o;
  o.format = OutputFormat(pipeline, input_format);
  const Step* f = pipeline.FormatStep();
  if (f == nullptr) return o;
  const Args& a = f->args;
  o.quality = static_cast<int>(a.Int("q"));
  o.progressive = a.Bool("progressive");
  const std::string& sub = a.Enum("subsample");
  o.subsample = sub == "420" ? 420 : sub == "444" ? 444 : 0;
  o.optimize_coding = a.Bool("optimize");
  o.compression = static_cast<int>(a.Int("compression"));
  o.palette = a.Bool("palette");
  o.lossless = a.Bool("lossless");
  o.effort = static_cast<int>(a.Int("effort"));
  o.strip = a.Bool("strip");
  o.keep_icc = a.Bool("keep_icc");
  o.background = a.ColourValue("bg");
  return o;
}

}  // namespace

Status CheckOutputSize(int width, int height, const Limits& limits, std::string_view op) {
  uint64_t pixels = static_cast<uint64_t>(width) * static_cast<uint64_t>(height);
  if (pixels > limits.max_output_pixels) {
    return MakeError(ErrorCode::kTooManyPixels,
                     std::string(op) + " would make a " + Dimensions(width, height) +
                         " image; the limit is " + std::to_string(limits.max_output_pixels) +
                         " pixels (--max-output-pixels)",
                     std::string(op));
  }
  return OkStatus();
}

Status CheckOutputSize(const Image& im, const Limits& limits, std::string_view op) {
  return CheckOutputSize(im.width(), im.height(), limits, op);
}

Status CheckStop() {
  const StopToken* token = CurrentStopToken();
  if (token != nullptr && token->StopRequested()) return token->Reason();
  return OkStatus();
}

bool RunsInMemory(const OpSpec& op) {
  return op.raster != nullptr || op.point != nullptr || op.detect != nullptr;
}

Result<Raster> RunInMemory(Raster raster, const std::vector<Step>& steps, size_t* next,
                           const Limits& limits, std::vector<StageTime>* stages,
                           detect::Findings* findings) {
  size_t i = *next;
  while (i < steps.size() && RunsInMemory(*steps[i].op)) {
    if (Status go_on = CheckStop(); !go_on) return go_on.error();
    if (steps[i].op->point != nullptr) {
      Timed(stages, "point_table", [&] {
        ops::PointTable table(raster.bits);
        for (; i < steps.size() && steps[i].op->point != nullptr; ++i) {
          table.Then(steps[i].op->point(steps[i].args));
        }
        table.ApplyTo(raster);
        return true;
      });
      continue;
    }
    std::vector<detect::Detection> found;
    detect::DetectTimes times;
    auto out = Timed(stages, steps[i].op->name, [&] {
      if (steps[i].op->detect != nullptr) {
        return steps[i].op->detect(std::move(raster), steps[i].args, found, times);
      }
      return steps[i].op->raster(std::move(raster), steps[i].args);
    });
    if (findings != nullptr) {
      for (detect::Detection& d : found) {
        d.step = static_cast<int>(i);
        findings->detections.push_back(std::move(d));
      }
      findings->times.inference_ms += times.inference_ms;
      findings->times.nms_ms += times.nms_ms;
    }
    // A kernel that saw the stop returns early with its output half written: drop it.
    if (Status go_on = CheckStop(); !go_on) return go_on.error();
    if (!out) return out.error();
    raster = std::move(*out);
    Status ok = CheckOutputSize(raster.width, raster.height, limits, steps[i].op->name);
    if (!ok) return ok.error();
    ++i;
  }
  *next = i;
  return raster;
}

Result<Image> DecodeForPipeline(std::span<const uint8_t> bytes, const ImageInfo& info,
                                const Pipeline& pipeline, const ProcessOptions& options,
                                size_t* consumed) {
  *consumed = 0;
  bool random = false;
  for (const Step& s : pipeline.steps) random = random || s.op->reads_randomly;

  const Step* first = pipeline.steps.empty() ? nullptr : &pipeline.steps.front();
  Result<Image> decoded = MakeError(ErrorCode::kInternal, "not decoded");
  if (first != nullptr && first->op == &ops::kThumbnail && ops::CropsToFaces(first->args)) {
    int w = options.auto_orient ? info.oriented_width() : info.width;
    int h = options.auto_orient ? info.oriented_height() : info.height;
    vips::ThumbnailOptions t = ops::CoverOptions(first->args, w, h);
    t.auto_orient = options.auto_orient;
    t.fail_on = options.limits.fail_on;
    // The covering image is computed whole (the faces are looked for in all of it).
    Status size_ok = CheckOutputSize(t.width, t.height, options.limits, "thumbnail");
    if (!size_ok) return size_ok.error();
    auto covered = vips::ThumbnailBuffer(bytes, t);
    if (!covered) return covered;
    decoded = ops::CutAroundFaces(*covered, first->args);
    *consumed = 1;
  } else if (first != nullptr && first->op == &ops::kThumbnail) {
    vips::ThumbnailOptions t = ops::ThumbnailOptionsFrom(first->args);
    t.auto_orient = options.auto_orient;
    t.fail_on = options.limits.fail_on;
    if (t.crop != vips::Interesting::kNone) {
      // With a crop strategy libvips first scales the image to cover the box and analyses all
      // of it (entropy, attention) while building the thumbnail, so that intermediate has to
      // pass the size limit before it is computed.
      double w = options.auto_orient ? info.oriented_width() : info.width;
      double h = options.auto_orient ? info.oriented_height() : info.height;
      double scale = std::max(t.width / w, t.height / h);
      if (t.size == vips::SizeMode::kDown) scale = std::min(scale, 1.0);
      uint64_t cw = static_cast<uint64_t>(std::ceil(w * scale));
      uint64_t ch = static_cast<uint64_t>(std::ceil(h * scale));
      if (cw * ch > options.limits.max_output_pixels) {
        return MakeError(
            ErrorCode::kTooManyPixels,
            "thumbnail would make a " + Dimensions(cw, ch) + " image to crop from; the limit is " +
                std::to_string(options.limits.max_output_pixels) + " pixels (--max-output-pixels)",
            "thumbnail");
      }
    }
    decoded = vips::ThumbnailBuffer(bytes, t);
    *consumed = 1;
  } else if (first != nullptr && first->op == &ops::kResize &&
             first->args.Enum("kernel") == "lanczos3" && info.bits == 8) {
    // libvips' thumbnail always delivers 8 bits, so 16-bit inputs take the in-pipeline resize
    // (which keeps their depth) rather than shrink-on-load.
    int w = options.auto_orient ? info.oriented_width() : info.width;
    int h = options.auto_orient ? info.oriented_height() : info.height;
    ops::ResizePlan plan = ops::PlanResize(first->args, w, h);
    if (!plan.identity) {
      vips::ThumbnailOptions t;
      t.width = plan.scaled_width;
      t.height = plan.scaled_height;
      t.size = vips::SizeMode::kForce;
      t.auto_orient = options.auto_orient;
      t.fail_on = options.limits.fail_on;
      auto scaled = vips::ThumbnailBuffer(bytes, t);
      if (!scaled) return scaled;
      decoded = ops::FinishResize(*scaled, plan);
      *consumed = 1;
    }
  }
  if (*consumed == 0) {
    vips::DecodeOptions d;
    d.sequential = !random;
    d.auto_orient = options.auto_orient;
    d.fail_on = options.limits.fail_on;
    return vips::DecodeBuffer(bytes, info.format, d);
  }
  if (decoded && random) {
    // Shrink-on-load streams top to bottom; later steps that read out of order need the
    // (now small) image in memory. It is only small if it passes the size limit: an enlarging
    // thumbnail or resize would otherwise be computed in full here.
    Status size_ok = CheckOutputSize(*decoded, options.limits, "decode");
    if (!size_ok) return size_ok.error();
    vips::KillOnStop kill(*decoded, CurrentStopToken());
    auto raster = vips::ToRaster(*decoded);
    if (!raster) return raster.error();
    return vips::FromRaster(std::move(*raster));
  }
  return decoded;
}

Result<Image> RunSteps(Image image, const std::vector<Step>& steps, size_t first,
                       const Limits& limits, std::vector<StageTime>* stages,
                       detect::Findings* findings) {
  for (size_t i = first; i < steps.size();) {
    if (Status go_on = CheckStop(); !go_on) return go_on.error();
    const Step& step = steps[i];
    if (RunsInMemory(*step.op)) {
      auto raster = Timed(stages, "libvips", [&] {
        vips::KillOnStop kill(image, CurrentStopToken());
        return vips::ToRaster(image);
      });
      if (Status go_on = CheckStop(); !go_on) return go_on.error();
      if (!raster) return raster.error();
      auto out = RunInMemory(std::move(*raster), steps, &i, limits, stages, findings);
      if (!out) return out.error();
      image = vips::FromRaster(std::move(*out));
      continue;
    }
    ++i;
    if (step.op->apply == nullptr) continue;  // format: applied by the encoder
    auto next = step.op->apply(image, step.args);
    if (!next) return next.error();
    image = *next;
    Status ok = CheckOutputSize(image, limits, step.op->name);
    if (!ok) return ok.error();
  }
  return image;
}

Result<Image> DecodeAndRun(std::span<const uint8_t> bytes, const ImageInfo& info,
                           const Pipeline& pipeline, const ProcessOptions& options,
                           std::vector<StageTime>* stages, detect::Findings* findings) {
  size_t consumed = 0;
  auto decoded = DecodeForPipeline(bytes, info, pipeline, options, &consumed);
  if (!decoded) return decoded.error();
  Status size_ok = CheckOutputSize(*decoded, options.limits, "decode");
  if (!size_ok) return size_ok.error();
  return RunSteps(*decoded, pipeline.steps, consumed, options.limits, stages, findings);
}

Result<ProcessResult> EncodeResult(const Image& image, const Pipeline& pipeline,
                                   const ImageInfo& input) {
  vips::EncodeOptions enc = EncodeOptionsFor(pipeline, input.format);
  vips::KillOnStop kill(image, CurrentStopToken());
  auto encoded = vips::Encode(image, enc);
  if (!encoded) return encoded.error();
  ProcessResult out;
  out.bytes = std::move(*encoded);
  out.format = enc.format;
  out.width = image.width();
  out.height = image.height();
  out.input = input;
  return out;
}

Status InitializeEngine(int threads_per_image) {
  ops::SetOpenCvThreads(threads_per_image <= 1 ? 0 : threads_per_image);
  return vips::Initialize(threads_per_image);
}

Result<ImageInfo> Probe(std::span<const uint8_t> bytes, const Limits& limits) {
  if (bytes.size() > limits.max_input_bytes) {
    return MakeError(ErrorCode::kTooLarge,
                     "the input is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                         std::to_string(limits.max_input_bytes) + " (--max-input-bytes)",
                     "image");
  }
  if (bytes.empty()) {
    // The same answer as the HTTP upload's: a missing image is a bad request, whatever the
    // front end.
    return MakeError(ErrorCode::kBadRequest, "the image is empty", "image");
  }
  auto format = SniffFormat(bytes);
  if (!format) {
    return MakeError(ErrorCode::kUnsupportedMedia,
                     "the input is not a JPEG, PNG, WebP, TIFF, GIF, HEIF or AVIF image", "image");
  }
  auto info = vips::ReadHeader(bytes, *format);
  if (!info) {
    Error e = info.error();
    if (e.field.empty()) e.field = "image";
    return e;
  }
  info->truncated = IsTruncated(bytes, *format);
  return info;
}

Status CheckInputLimits(const ImageInfo& info, const Limits& limits) {
  uint64_t pixels = static_cast<uint64_t>(info.width) * static_cast<uint64_t>(info.height);
  if (pixels > limits.max_pixels) {
    return MakeError(ErrorCode::kTooManyPixels,
                     "the image is " + Dimensions(info.width, info.height) + " (" +
                         std::to_string(pixels) + " pixels); the limit is " +
                         std::to_string(limits.max_pixels) + " (--max-pixels)",
                     "image");
  }
  if (info.frames > limits.max_frames) {
    return MakeError(ErrorCode::kTooManyPixels,
                     "the image has " + std::to_string(info.frames) + " frames; the limit is " +
                         std::to_string(limits.max_frames),
                     "image");
  }
  if (info.truncated && limits.fail_on != FailOn::kNone) {
    return MakeError(ErrorCode::kCorruptImage,
                     "the " + std::string(FormatName(info.format)) +
                         " image is truncated: it ends before its end marker (fail_on is " +
                         std::string(FailOnName(limits.fail_on)) +
                         "; 'none' decodes what is there)",
                     "image");
  }
  return OkStatus();
}

Result<Image> ApplyStep(const Step& step, const Image& in) {
  const OpSpec& op = *step.op;
  if (op.apply != nullptr) return op.apply(in, step.args);
  if (!RunsInMemory(op)) return in;
  auto raster = vips::ToRaster(in);
  if (!raster) return raster.error();
  Raster out;
  if (op.point != nullptr) {
    out = ops::ApplyPoint(std::move(*raster), op.point(step.args));
  } else if (op.detect != nullptr) {
    std::vector<detect::Detection> found;  // ApplyStep returns the image only
    detect::DetectTimes times;
    auto r = op.detect(std::move(*raster), step.args, found, times);
    if (!r) return r.error();
    out = std::move(*r);
  } else {
    auto r = op.raster(std::move(*raster), step.args);
    if (!r) return r.error();
    out = std::move(*r);
  }
  return vips::FromRaster(std::move(out));
}

bool FindsObjects(const Pipeline& pipeline) {
  for (const Step& s : pipeline.steps) {
    if (s.op->detect != nullptr) return true;
  }
  return false;
}

Format OutputFormat(const Pipeline& pipeline, Format input_format) {
  const Step* f = pipeline.FormatStep();
  if (f != nullptr && f->args.Has("type")) {
    auto fmt = FormatFromName(f->args.Enum("type"));
    if (fmt) return *fmt;
  }
  return input_format;
}

Result<ProcessResult> Process(std::span<const uint8_t> bytes, const Pipeline& pipeline,
                              const ProcessOptions& options) {
  auto info = Probe(bytes, options.limits);
  if (!info) return info.error();
  Status limits_ok = CheckInputLimits(*info, options.limits);
  if (!limits_ok) return limits_ok.error();
  Status work_ok =
      CheckWork(pipeline, EstimateWork(pipeline, *info, options.auto_orient), options.limits);
  if (!work_ok) return work_ok.error();
  // Without a token of its own, the caller's (a worker's task) stays in force.
  ScopedStopToken stop_scope(options.stop != nullptr ? options.stop : CurrentStopToken());
  if (Status go_on = CheckStop(); !go_on) return go_on.error();
  std::vector<StageTime> stages;
  detect::Findings findings;
  auto image = DecodeAndRun(bytes, *info, pipeline, options, &stages, &findings);
  // A computation libvips abandoned at its kill flag fails with its own error: report the stop.
  if (Status go_on = CheckStop(); !go_on) return go_on.error();
  if (!image) return image.error();
  auto result = Timed(&stages, "encode", [&] { return EncodeResult(*image, pipeline, *info); });
  if (Status go_on = CheckStop(); !go_on) return go_on.error();
  if (result) {
    result->stages = std::move(stages);
    result->detections = std::move(findings.detections);
    result->detect_times = findings.times;
  }
  return result;
}

}  // namespace tessera::engine
