// The arguments of each task kind as they travel through the queue (JSON), and the blob keys
// and task ids a job uses. Keys and ids are deterministic, so a task that runs twice writes the
// same bytes to the same key and enqueues the same follow-up task (Enqueue of a known id is a
// no-op).
//
// Task kinds:
//   process   the job's first task: runs the pipeline whole, or (tiled) acts as the tile
//             coordinator: cuts the tile inputs and enqueues one tile task per tile
//   tile      runs the pipeline's local part on one tile
//   assemble  stitches the stored tiles, runs the rest of the pipeline, stores the result
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::jobs {

inline constexpr std::string_view kProcessTaskKind = "process";
inline constexpr std::string_view kTileTaskKind = "tile";
inline constexpr std::string_view kAssembleTaskKind = "assemble";

struct ProcessTaskPayload {
  std::string pipeline;  // canonical text
  std::string input_key;
  std::string output_key;
  std::string tiles = "auto";  // auto | on | off (absent in JSON: auto)

  std::string ToJson() const;
  static Result<ProcessTaskPayload> FromJson(std::string_view json);
};

// The tile plan of a tiled job, as every tile and the assembler need it.
struct TilePlanPayload {
  int width = 0;  // of the image entering the local part (after the "before" steps)
  int height = 0;
  int tile_size = 0;
  int halo = 0;
};

// What every task of a tiled job carries: enough to find its tiles and to enqueue (and run) the
// assembly.
struct TiledJobPayload {
  std::string pipeline;  // the whole pipeline, canonical text
  TilePlanPayload plan;
  std::string input_format;     // "jpeg", ...: the output format when the pipeline names none
  std::string process_task_id;  // names the tiles (TilePrefixFor) and follow-up task ids
  std::string output_key;       // the job's result
};

// kind "tile". Its input is TileInputKey(prefix, tile), its output TileOutputKey(prefix, tile).
struct TileTaskPayload {
  TiledJobPayload job;
  int64_t tile = 0;  // index in the plan

  std::string ToJson() const;
  static Result<TileTaskPayload> FromJson(std::string_view json);
};

// kind "assemble".
struct AssembleTaskPayload {
  TiledJobPayload job;

  std::string ToJson() const;
  static Result<AssembleTaskPayload> FromJson(std::string_view json);
};

std::string InputKeyFor(std::string_view job_id);   // "inputs/<id>"
std::string OutputKeyFor(std::string_view job_id);  // "results/<id>"
// "results/<id>.json": the detections of a job whose pipeline finds objects (a JSON array,
// engine/detect/detection_json.h), written before the job succeeds.
std::string DetectionsKeyFor(std::string_view job_id);

// Tiles of the job whose process task is `process_task_id` live under
// "tiles/<process task id>/": in/<index> (the tile's input, pixels of its rectangle + halo) and
// out/<index> (its output). The task id, not the job id, names them so that a job retried
// after a cancel (which gets a new process task id) starts from fresh tiles.
std::string TilePrefixFor(std::string_view process_task_id);
std::string TileInputKey(std::string_view tile_prefix, int64_t tile);
std::string TileOutputKey(std::string_view tile_prefix, int64_t tile);
// Task ids: "<process task id>.t<index>" and "<process task id>.assemble".
std::string TileTaskId(std::string_view process_task_id, int64_t tile);
std::string AssembleTaskId(std::string_view process_task_id);

}  // namespace tessera::jobs
