// tessera process IN... -o OUT -p PIPELINE [-j N]: runs a pipeline over files and directories,
// N images at a time, writing each output atomically. Images above --tile-threshold pixels run
// their pipeline's local part in tiles (engine/tiling/) on the cores the -j images leave, with
// memory bounded by a few rows of tiles. One bad file is reported on one line and
// the rest still finish; the exit status is 1 if any failed.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/input_walk.h"
#include "cli/progress.h"
#include "core/file_io.h"
#include "engine/pipeline.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct ProcessArgs {
  std::vector<std::string> inputs;
  std::string output;
  std::string pipeline;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool quiet = false;
  EngineFlags engine;
  TilingFlags tiling;
};

struct ExtensionFormat {
  std::string_view extension;
  engine::Format format;
};

constexpr ExtensionFormat kOutputExtensions[] = {
    {".jpg", engine::Format::kJpeg},  {".jpeg", engine::Format::kJpeg},
    {".png", engine::Format::kPng},   {".webp", engine::Format::kWebp},
    {".tif", engine::Format::kTiff},  {".tiff", engine::Format::kTiff},
    {".gif", engine::Format::kGif},   {".avif", engine::Format::kAvif},
    {".heic", engine::Format::kHeif}, {".heif", engine::Format::kHeif},
};

std::optional<engine::Format> FormatForExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const ExtensionFormat& e : kOutputExtensions) {
    if (ext == e.extension) return e.format;
  }
  return std::nullopt;
}

Error UnknownExtension(const fs::path& out) {
  std::string allowed;
  for (const ExtensionFormat& e : kOutputExtensions) {
    allowed += (allowed.empty() ? "" : ", ") + std::string(e.extension);
  }
  return MakeError(ErrorCode::kBadRequest,
                   out.string() + ": the extension '" + out.extension().string() +
                       "' names no format tessera writes; use one of " + allowed +
                       ", or give the format in the pipeline (format:type=png)",
                   "output");
}

// With a single output file named out.webp and no format type in the pipeline, the name
// decides the format; a name whose extension is no image format is refused rather than given
// the input's format under a misleading name. Without an extension the input's format is kept.
Result<engine::Pipeline> WithFormatFromName(const engine::Pipeline& p, const fs::path& out) {
  auto fmt = FormatForExtension(out);
  const engine::Step* f = p.FormatStep();
  if (f != nullptr && f->args.Given("type")) return p;
  if (!fmt && out.has_extension()) return UnknownExtension(out);
  if (!fmt) return p;
  std::string text = p.ToText();
  std::string type = "type=" + std::string(engine::FormatName(*fmt));
  if (f == nullptr) {
    text += (text.empty() ? "format:" : ";format:") + type;
  } else {
    text += (text.ends_with("format") ? ":" : ",") + type;
  }
  return engine::ParsePipelineText(text);
}

// The error of one file as reported, with the flag to change when a limit refused it.
std::string Described(Error e, const ProcessArgs& args) {
  if (e.code == ErrorCode::kTooLarge && e.field.empty()) e.message += " (--max-input-bytes)";
  if (e.code == ErrorCode::kTooManyPixels && args.tiling.tiles != "off" &&
      e.message.find("(--max-") != std::string::npos) {
    // Tiles bound memory, not the image's size: the pixel limits still hold (issue 17).
    e.message +=
        "; tiled runs use the same limits: raise --max-pixels and --max-output-pixels "
        "for huge images";
  }
  return e.ToString();
}

int Run(const ProcessArgs& args) {
  auto pipeline = engine::ParsePipeline(args.pipeline);
  if (!pipeline) {
    std::fprintf(stderr, "tessera process: %s\n", pipeline.error().ToString().c_str());
    return 2;
  }
  auto inputs = CollectInputs(args.inputs);
  if (!inputs) {
    std::fprintf(stderr, "tessera process: %s\n", inputs.error().ToString().c_str());
    return 2;
  }
  fs::path out(args.output);
  std::error_code ec;
  bool single_file = inputs->size() == 1 && args.inputs.size() == 1 &&
                     !fs::is_directory(args.inputs[0], ec) && !fs::is_directory(out, ec) &&
                     !args.output.ends_with("/");
  if (single_file) {
    auto adjusted = WithFormatFromName(*pipeline, out);
    if (!adjusted) {
      std::fprintf(stderr, "tessera process: %s\n", adjusted.error().ToString().c_str());
      return 2;
    }
    pipeline = std::move(adjusted);
  }

  int jobs = std::max(1, std::min<int>(args.jobs, static_cast<int>(inputs->size())));
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto s = engine::InitializeEngine(jobs > 1 ? 1 : cores); !s) {
    std::fprintf(stderr, "tessera process: %s\n", s.error().ToString().c_str());
    return 1;
  }
  if (auto s = args.engine.ConfigureModels(); !s) {
    std::fprintf(stderr, "tessera process: %s\n", s.error().ToString().c_str());
    return 1;
  }
  engine::ProcessOptions options = args.engine.ToOptions();
  // A tiled image spreads its tiles over the cores the other images leave.
  engine::TilingOptions tiling = args.tiling.ToOptions();
  tiling.threads = std::max(1, cores / jobs);
  bool interactive = !args.quiet && isatty(STDERR_FILENO);
  Progress progress(inputs->size(), interactive);
  std::mutex claimed_mu;
  std::map<fs::path, fs::path> claimed;  // output -> the input that writes it
  std::mutex err_mu;

  auto report = [&](const fs::path& in, const std::string& what) {
    std::lock_guard<std::mutex> lock(err_mu);
    if (interactive) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "tessera process: %s: %s\n", in.c_str(), what.c_str());
  };

  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < inputs->size(); i = next++) {
      const InputFile& in = (*inputs)[i];
      auto bytes = ReadFile(in.path, options.limits.max_input_bytes);
      if (!bytes) {
        report(in.path, Described(bytes.error(), args));
        progress.Done(false);
        continue;
      }
      auto tiled = engine::ProcessTiled(*bytes, *pipeline, options, tiling);
      if (!tiled) {
        report(in.path, Described(tiled.error(), args));
        progress.Done(false);
        continue;
      }
      const engine::ProcessResult* result = &tiled->result;
      fs::path target = out;
      if (!single_file) {
        bool keep_ext =
            pipeline->FormatStep() == nullptr || !pipeline->FormatStep()->args.Given("type");
        target = OutputPathFor(
            in, out, keep_ext ? std::string_view() : engine::FormatExtension(result->format));
        std::lock_guard<std::mutex> lock(claimed_mu);
        auto [it, inserted] = claimed.emplace(target, in.path);
        if (!inserted) {
          report(in.path,
                 "io: " + target.string() + " is already written by " + it->second.string());
          progress.Done(false);
          continue;
        }
      }
      Status written = WriteFileAtomically(target, result->bytes);
      if (!written) report(in.path, written.error().ToString());
      progress.Done(static_cast<bool>(written));
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (!args.quiet) progress.Finish();
  return progress.failed() == 0 ? 0 : 1;
}

}  // namespace

Command RegisterProcessCommand(CLI::App& app) {
  auto args = std::make_shared<ProcessArgs>();
  auto* cmd = app.add_subcommand("process", "run a pipeline over image files and directories");
  cmd->add_option("IN", args->inputs, "input files or directories (searched recursively)")
      ->required();
  cmd->add_option("-o,--output", args->output,
                  "output file (one input) or directory (mirrors the input tree)")
      ->required();
  cmd->add_option("-p,--pipeline", args->pipeline,
                  "pipeline, text (resize:w=800;blur:sigma=2) or JSON; see `tessera ops`")
      ->envname("TESSERA_PIPELINE");
  cmd->add_option("-j,--jobs", args->jobs, "images processed in parallel")
      ->envname("TESSERA_JOBS")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "print only errors");
  args->engine.Register(*cmd);
  args->tiling.Register(*cmd);
  return {cmd, [args] { return Run(*args); }};
}

}  // namespace tessera::cli
