#include "support/detect_testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "support/subprocess.h"

namespace tessera::testing {

namespace fs = std::filesystem;

fs::path OpenCvSample(const std::string& name) {
  fs::path p = fs::path("/usr/share/doc/opencv-doc/examples/data") / name;
  if (!fs::exists(p)) {
    ADD_FAILURE() << p << " is missing: install Debian's opencv-doc (scripts/install-deps.sh)";
  }
  return p;
}

fs::path VtestFrame(const fs::path& dir) {
  fs::path out = dir / "vtest0.png";
  RunPythonScript("video_frame.py", {OpenCvSample("vtest.avi").string(), out.string()});
  return out;
}

std::vector<uint8_t> ReadFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Box BoxOf(const engine::detect::Detection& d) { return {d.x, d.y, d.width, d.height}; }

double IoU(const Box& a, const Box& b) {
  double ix = std::max(0.0, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  double iy = std::max(0.0, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  double inter = ix * iy;
  double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0;
}

double Covered(const Box& inner, const Box& outer) {
  double ix = std::max(
      0.0, std::min(inner.x + inner.width, outer.x + outer.width) - std::max(inner.x, outer.x));
  double iy = std::max(
      0.0, std::min(inner.y + inner.height, outer.y + outer.height) - std::max(inner.y, outer.y));
  double area = inner.width * inner.height;
  return area > 0 ? ix * iy / area : 0;
}

std::string RunPythonScript(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kSystemPython,
                                   std::string(TESSERA_TEST_PYTHON_DIR) + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOutput out = RunProcess(argv);
  if (out.exit_code != 0) {
    ADD_FAILURE() << script << " exited " << out.exit_code << ": " << out.err;
    return "";
  }
  return out.out;
}

}  // namespace tessera::testing
