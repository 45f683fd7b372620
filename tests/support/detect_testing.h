// Helpers for the detection tests: Debian's opencv-doc sample photographs, hand-labelled
// boxes, and OpenCV's own Python binding (/usr/bin/python3 with python3-opencv) as the reference.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/detect/detection.h"

namespace tessera::testing {

// The Python that has Debian's python3-opencv and python3-onnx (not a python3 earlier on PATH).
inline constexpr const char* kSystemPython = "/usr/bin/python3";

// A sample image of opencv-doc (scripts/install-deps.sh installs it), e.g. "messi5.jpg". Adds a
// test failure naming the package when it is missing.
std::filesystem::path OpenCvSample(const std::string& name);

// The first frame of opencv-doc's vtest.avi (pedestrians), written as a PNG into `dir` by
// OpenCV's Python binding.
std::filesystem::path VtestFrame(const std::filesystem::path& dir);

std::vector<uint8_t> ReadFileBytes(const std::filesystem::path& path);

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};
Box BoxOf(const engine::detect::Detection& d);
double IoU(const Box& a, const Box& b);
// The share of `inner`'s area that lies inside `outer`.
double Covered(const Box& inner, const Box& outer);

// Runs tests/python/<script> with /usr/bin/python3 and `args`; fails the test (and returns "")
// when it exits non-zero.
std::string RunPythonScript(const std::string& script, const std::vector<std::string>& args);

}  // namespace tessera::testing
