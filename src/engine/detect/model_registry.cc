#include "engine/detect/model_registry.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/detect/detectors.h"

namespace tessera::engine::detect {
namespace {

namespace fs = std::filesystem;

struct BuiltIn {
  std::string_view name;
  std::string_view file;  // empty: no file (HOG)
  std::string_view label;
};

constexpr BuiltIn kBuiltIns[] = {
    {"face", "haarcascade_frontalface_default.xml", "face"},
    {"face_alt", "haarcascade_frontalface_alt2.xml", "face"},
    {"face_lbp", "lbpcascade_frontalface_improved.xml", "face"},
    {"profile_face", "haarcascade_profileface.xml", "face"},
    {"eye", "haarcascade_eye.xml", "eye"},
    {"full_body", "haarcascade_fullbody.xml", "person"},
    {"upper_body", "haarcascade_upperbody.xml", "upper_body"},
    {"people", "", "person"},
};

struct Registry {
  std::mutex mu;
  ModelsConfig config;                                                   // guarded by mu
  std::map<std::string, std::shared_ptr<Detector>, std::less<>> loaded;  // guarded by mu
};

Registry& TheRegistry() {
  static Registry* r = new Registry();  // never destroyed: detections may run during exit
  return *r;
}

bool SafeName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The first directory of the search path holding `file`, or "".
std::string FindFile(const ModelsConfig& config, std::string_view file) {
  std::vector<std::string> dirs;
  if (!config.models_dir.empty()) dirs.push_back(config.models_dir);
  dirs.insert(dirs.end(), config.system_dirs.begin(), config.system_dirs.end());
  for (const std::string& dir : dirs) {
    fs::path p = fs::path(dir) / std::string(file);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

const BuiltIn* FindBuiltIn(std::string_view name) {
  for (const BuiltIn& b : kBuiltIns) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::string ManifestPath(const ModelsConfig& config, std::string_view name) {
  if (config.models_dir.empty()) return "";
  fs::path p = fs::path(config.models_dir) / (std::string(name) + ".json");
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : "";
}

std::vector<std::string> Available(const ModelsConfig& config) {
  std::vector<std::string> names;
  for (const BuiltIn& b : kBuiltIns) {
    if (b.file.empty() || !FindFile(config, b.file).empty()) names.emplace_back(b.name);
  }
  if (!config.models_dir.empty()) {
    std::error_code ec;
    std::vector<std::string> user;
    for (const auto& entry : fs::directory_iterator(config.models_dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      std::string stem = entry.path().stem().string();
      if (SafeName(stem) && FindBuiltIn(stem) == nullptr) user.push_back(stem);
    }
    std::sort(user.begin(), user.end());
    names.insert(names.end(), user.begin(), user.end());
  }
  return names;
}

Error Unavailable(std::string_view name, const std::string& why) {
  return MakeError(ErrorCode::kUnavailable, "model '" + std::string(name) + "': " + why,
                   "detect.model");
}

Result<std::vector<std::string>> ReadClassNames(std::string_view model, const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Unavailable(model, "cannot read the class names file " + path.string());
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty())
    return Unavailable(model, "the class names file " + path.string() + " is empty");
  return names;
}

Result<ModelInfo> ReadManifest(std::string_view name, const std::string& manifest) {
  std::ifstream in(manifest);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Unavailable(name, manifest + " is not a JSON object");
  ModelInfo info;
  info.name = std::string(name);
  const fs::path dir = fs::path(manifest).parent_path();
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string type = text("type");
  if (type == "yolov5") {
    info.kind = ModelKind::kYoloV5;
  } else if (type == "yolov8") {
    info.kind = ModelKind::kYoloV8;
  } else {
    return Unavailable(
        name, manifest + ": \"type\" must be \"yolov5\" or \"yolov8\", not \"" + type + "\"");
  }
  std::string file = text("file");
  if (file.empty()) return Unavailable(name, manifest + ": \"file\" is missing");
  info.file = (dir / file).string();
  std::error_code ec;
  if (!fs::is_regular_file(info.file, ec)) return Unavailable(name, info.file + " does not exist");
  if (std::string classes = text("classes"); !classes.empty()) {
    auto names = ReadClassNames(name, dir / classes);
    if (!names) return names.error();
    info.classes = std::move(*names);
  }
  info.input_size = 640;
  if (auto it = j.find("input_size"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 32 || it->get<int64_t>() > 4096 ||
        it->get<int64_t>() % 32 != 0) {
      return Unavailable(name, manifest + ": \"input_size\" must be a multiple of 32, 32..4096");
    }
    info.input_size = static_cast<int>(it->get<int64_t>());
  }
  info.version = text("version");
  if (info.version.empty()) info.version = file;
  return info;
}

Result<std::shared_ptr<Detector>> Load(const ModelsConfig& config, std::string_view name) {
  if (const BuiltIn* b = FindBuiltIn(name)) {
    ModelInfo info;
    info.name = std::string(name);
    info.classes = {std::string(b->label)};
    if (b->file.empty()) {
      info.kind = ModelKind::kHog;
      info.version = "opencv-hog-default-people";
      auto d = LoadHogPeople(std::move(info));
      if (!d) return d.error();
      return std::shared_ptr<Detector>(std::move(*d));
    }
    info.kind = ModelKind::kCascade;
    info.file = FindFile(config, b->file);
    info.version = std::string(b->file);
    if (info.file.empty()) {
      return Unavailable(name, std::string(b->file) +
                                   " was not found in the models directory or opencv-data's "
                                   "directories (install opencv-data or set --models-dir)");
    }
    auto d = LoadCascade(std::move(info));
    if (!d) return d.error();
    return std::shared_ptr<Detector>(std::move(*d));
  }
  std::string manifest = SafeName(name) ? ManifestPath(config, name) : "";
  if (manifest.empty()) {
    std::string known;
    for (const std::string& n : Available(config)) known += (known.empty() ? "" : ", ") + n;
    return MakeError(ErrorCode::kBadRequest,
                     "unknown model '" + std::string(name) + "'; available: " + known,
                     "detect.model");
  }
  auto info = ReadManifest(name, manifest);
  if (!info) return info.error();
  auto d = LoadYolo(std::move(*info));
  if (!d) return d.error();
  return std::shared_ptr<Detector>(std::move(*d));
}

}  // namespace

Status ConfigureModels(const ModelsConfig& config) {
  if (!config.models_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(config.models_dir, ec)) {
      return MakeError(ErrorCode::kNotFound,
                       "the models directory " + config.models_dir + " does not exist",
                       "models_dir");
    }
  }
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  r.config = config;
  r.loaded.clear();
  return OkStatus();
}

Result<std::shared_ptr<Detector>> FindModel(std::string_view name) {
  Registry& r = TheRegistry();
  // Loading happens under the lock: a model is read from disk once, however many threads ask
  // for it at the same time, and loads are rare (once per model per process).
  std::lock_guard lock(r.mu);
  if (auto it = r.loaded.find(name); it != r.loaded.end()) return it->second;
  auto loaded = Load(r.config, name);
  if (!loaded) return loaded.error();
  r.loaded.emplace(std::string(name), *loaded);
  return *loaded;
}

std::vector<std::string> AvailableModels() {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  return Available(r.config);
}

Result<ModelSummary> DescribeModel(std::string_view name) {
  auto model = FindModel(name);
  if (!model) return model.error();
  const ModelInfo& info = (*model)->info();
  return ModelSummary{info.name, std::string(ModelKindName(info.kind)), info.version};
}

}  // namespace tessera::engine::detect
