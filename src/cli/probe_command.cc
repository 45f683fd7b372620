// tessera probe FILE: the header facts of an image as JSON, read without decoding pixels.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_io.h"

namespace tessera::cli {

Command RegisterProbeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("probe", "print an image's header facts as JSON");
  auto path = std::make_shared<std::string>();
  cmd->add_option("FILE", *path, "the image")->required();
  return {cmd, [path] {
            if (auto s = engine::InitializeEngine(1); !s) {
              std::fprintf(stderr, "tessera probe: %s\n", s.error().ToString().c_str());
              return 1;
            }
            auto bytes = ReadFile(*path);
            if (!bytes) {
              std::fprintf(stderr, "tessera probe: %s\n", bytes.error().ToString().c_str());
              return 1;
            }
            auto info = engine::Probe(*bytes);
            if (!info) {
              std::fprintf(stderr, "tessera probe: %s: %s\n", path->c_str(),
                           info.error().ToString().c_str());
              return 1;
            }
            nlohmann::ordered_json j;
            j["format"] = engine::FormatName(info->format);
            j["width"] = info->width;
            j["height"] = info->height;
            j["oriented_width"] = info->oriented_width();
            j["oriented_height"] = info->oriented_height();
            j["bands"] = info->bands;
            j["bits"] = info->bits;
            j["has_alpha"] = info->has_alpha;
            j["colourspace"] = info->colourspace;
            j["frames"] = info->frames;
            j["orientation"] = info->orientation;
            j["bytes"] = info->bytes;
            std::printf("%s\n", j.dump(2).c_str());
            return 0;
          }};
}

}  // namespace tessera::cli
