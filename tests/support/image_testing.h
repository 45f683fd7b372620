// Image helpers for tests: make synthetic images, decode with OpenCV's codecs (independent of
// libvips), move pixels in and out of the engine, and compare with PSNR / max difference.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "engine/image.h"
#include "engine/pipeline.h"

namespace tessera::testing {

// A deterministic RGB(A) 8-bit test picture: smooth gradients, hard edges and fine texture.
// Channels are in RGB order (not OpenCV's BGR). bands: 1..4.
cv::Mat MakeTestPattern(int width, int height, int bands = 3, int depth = CV_8U);

// Encodes an RGB-order Mat with OpenCV (png, jpg, tif, webp by extension ".png" etc.).
std::vector<uint8_t> EncodeWithOpenCv(const cv::Mat& rgb, const std::string& ext);
// Decodes with OpenCV, keeping depth and alpha, returning RGB order. Empty Mat on failure.
cv::Mat DecodeWithOpenCv(std::span<const uint8_t> bytes);

// Engine bridges (through the libvips adapter) for calling op implementations directly.
engine::Image ImageFromMat(const cv::Mat& rgb, bool has_alpha);
cv::Mat MatFromImage(const engine::Image& image);

// Peak signal-to-noise ratio in dB over all samples (infinity when identical). REQUIRES: same
// size, type and channel count.
double Psnr(const cv::Mat& a, const cv::Mat& b);
// Largest absolute per-sample difference.
double MaxAbsDiff(const cv::Mat& a, const cv::Mat& b);

std::vector<uint8_t> ReadTestData(const std::string& name);

// `png` with bytes of its first IDAT chunk's data flipped: the header and chunk structure are
// intact (it probes, and is not truncated), but its pixels fail to decode (the chunk's CRC no
// longer matches), so it is refused only when decoded.
std::vector<uint8_t> CorruptPngPixels(std::vector<uint8_t> png);

// What engine::Process makes of `input` with `pipeline` (a failure fails the test): the
// reference the service tests compare results from the wire against, byte for byte.
std::vector<uint8_t> EngineOutput(std::span<const uint8_t> input, std::string_view pipeline);

// Parses a pipeline the test knows to be valid (a parse error fails the test).
engine::Pipeline MustParsePipeline(std::string_view text);

// Starts libvips/OpenCV once for the test process (1 thread per image).
void InitEngineForTests();

}  // namespace tessera::testing
