// The roles of the Redis-Streams tile-blur service ("g") on tessera's jobs: the coordinator
// submits one tiled job per input image, tessera workers blur the tiles and assemble each
// image, and the output writer (g's "assembler" role) writes every finished image to the name
// g gave it, img<N>_blurred.png. docs/COMPAT.md, "g", lists what matches and what differs.
//
// The pairing of a job with its output file lives in the blob store, under a key derived from
// the job's idempotency key "g:<run>:<N>" (compat/g/outputs/<hex of run>-<N>, holding the
// absolute output path), written before the job is submitted; once submitted, the job is listed
// as pending (compat/g/pending/<job id>, holding the pairing key). Writers on any machine
// sharing the store and the queue walk the pending list only, so a pass costs one look-up per
// image still to write, however many jobs the queue has kept.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "jobs/job_service.h"
#include "store/blob_store.h"

namespace tessera::api::compat::g {

// The pipeline g runs: its blur (k x k, sigma = k / 3, truncated), always written as PNG.
std::string BlurPipeline(int kernel);

// The images g takes from `dir`: *.png, then *.jpg, then *.jpeg, each in byte order of their
// paths (Go's filepath.Glob), skipping names that contain "blurred" (earlier outputs). The
// N-th (from 1) becomes img<N>_blurred.png.
std::vector<std::filesystem::path> FindImages(const std::filesystem::path& dir);
std::filesystem::path OutputPath(const std::filesystem::path& output_dir, size_t index);

struct QueuedImage {
  std::filesystem::path input;
  std::filesystem::path output;
  std::string job_id;
};

// Submits every image of `input_dir` as a tiled job writing to `output_dir`, with idempotency
// keys "g:<run>:<N>": running a coordinator again with the same `run` (after a crash)
// resubmits nothing. An empty `run` gets a fresh id (g's default: every run is new). A file that
// cannot be read or is not an image stops the run with its error (g does the same), after the
// images before it were queued.
Result<std::vector<QueuedImage>> QueueImages(jobs::JobService& jobs, store::BlobStore& blobs,
                                             const std::filesystem::path& input_dir,
                                             const std::filesystem::path& output_dir, int kernel,
                                             const std::string& run);

// g's "assembler": writes the result of each finished pending job to its output file
// (atomically: a temporary name, fsync, rename), then forgets the pairing and the pending entry.
// A job that died or was cancelled is reported and forgotten. Safe to run in several processes
// at once (each write is whole).
class OutputWriter {
 public:
  OutputWriter(jobs::JobService& jobs, store::BlobStore& blobs) : jobs_(jobs), blobs_(blobs) {}

  struct Written {
    std::string job_id;
    std::filesystem::path output;
    bool ok = false;
    std::string error;  // for a job that died, or an output that could not be written
  };

  // One pass over the finished jobs; returns what it wrote or gave up on.
  Result<std::vector<Written>> WriteFinished();

 private:
  jobs::JobService& jobs_;
  store::BlobStore& blobs_;
};

}  // namespace tessera::api::compat::g
