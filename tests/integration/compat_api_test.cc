// The seed-compatible APIs of a real `tessera serve --compat ...` process, driven over loopback
// with each seed's own request shapes (multipart field names, JSON bodies): status codes and
// error strings exactly as the seeds answered, and every output byte-identical to
// engine::Process of the same input with the pipeline the adapter documents.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <set>
#include <thread>

#include "api/compat/imageflow/imageflow_service.h"
#include "api/http/client.h"
#include "core/file_io.h"
#include "engine/engine.h"
#include "engine/op_registry.h"
#include "engine/pipeline.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using api::http::ClientResponse;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::seconds;
namespace imageflow = api::compat::imageflow;

std::vector<uint8_t> Jpeg(int w, int h) {
  return EncodeWithOpenCv(MakeTestPattern(w, h, 3), ".jpg");
}
std::vector<uint8_t> Png(int w, int h) {
  return EncodeWithOpenCv(MakeTestPattern(w, h, 3), ".png");
}

ClientResponse Must(Result<ClientResponse> r) {
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? *r : ClientResponse{};
}

struct Part {
  std::string name;
  std::string filename;  // empty: a plain form field
  std::string data;
};

std::string AsString(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }

// Sends a multipart/form-data POST as requests/httpx would.
ClientResponse PostForm(HttpClient& c, const std::string& target, const std::vector<Part>& parts) {
  const std::string boundary = "----compat7MA4YWxkTrZu0gW";
  std::string body;
  for (const auto& p : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
    body += "\r\n";
    if (!p.filename.empty()) body += "Content-Type: application/octet-stream\r\n";
    body += "\r\n" + p.data + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  std::vector<uint8_t> bytes(body.begin(), body.end());
  return Must(c.Send({.method = "POST",
                      .target = target,
                      .headers = {{"Content-Type", "multipart/form-data; boundary=" + boundary}},
                      .body = bytes}));
}

ClientResponse PostJson(HttpClient& c, const std::string& target, const json& j) {
  std::string s = j.dump();
  std::vector<uint8_t> bytes(s.begin(), s.end());
  return Must(c.Send({.method = "POST",
                      .target = target,
                      .headers = {{"Content-Type", "application/json"}},
                      .body = bytes}));
}

json Body(const ClientResponse& r) { return json::parse(r.text(), nullptr, false); }

class CompatApiTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServeProcess> Serve(std::vector<std::string> extra) {
    auto s = ServeProcess::Start(dir_.path(), extra);
    EXPECT_NE(s, nullptr);
    return s;
  }
  std::filesystem::path Blobs() const { return dir_.path() / "data" / "blobs"; }
  TempDir dir_;
};

// ---- Enabling -----------------------------------------------------------------------------

TEST_F(CompatApiTest, OffByDefault) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  EXPECT_EQ(PostForm(*c, "/upload", {{"image", "a.jpg", AsString(Jpeg(8, 8))}}).status, 404u);
  EXPECT_EQ(Must(c->Get("/health")).status, 404u);
  EXPECT_EQ(Must(c->Get("/api/health/")).status, 404u);
  EXPECT_EQ(Must(c->Get("/v1/health/resize")).status, 404u);
}

TEST_F(CompatApiTest, UnknownProfileStopsServe) {
  auto out = RunTessera({"serve", "--port", "0", "--data-dir", (dir_.path() / "d").string(),
                         "--compat", "tutti,bogus"});
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.err.find("unknown compat profile 'bogus'"), std::string::npos) << out.err;
}

TEST_F(CompatApiTest, AllProfilesTogetherAndInTheOpenApiDocument) {
  auto serve = Serve({"--compat", "all", "--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto doc = Body(Must(c->Get("/openapi.json")));
  for (const char* path :
       {"/upload", "/upload/", "/job/status/{id}", "/job/all", "/thumb/{filename}", "/health",
        "/api/health/", "/api/process-batch/distributed/", "/api/task/{id}/status/",
        "/api/workers/status/", "/v1/resize", "/v1/filter", "/v1/detect", "/v1/health/{service}"}) {
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    for (const auto& [method, op] : doc["paths"][path].items()) {
      EXPECT_EQ(op["tags"], json::array({"compat"})) << path << " " << method;
    }
  }
  EXPECT_TRUE(doc["paths"].contains("/v1/process"));  // the native API is still there
  EXPECT_EQ(Must(c->Get("/health")).text(), R"({"status":"healthy","service":"grpc-gateway"})");
}

TEST_F(CompatApiTest, ApiKeysCoverTheCompatRoutesButNotTheirHealth) {
  auto serve = Serve({"--compat", "tutti,django,imageflow", "--workers", "0", "--api-keys", "k1"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  EXPECT_EQ(PostForm(*c, "/upload", {{"image", "a.jpg", AsString(Jpeg(8, 8))}}).status, 401u);
  EXPECT_EQ(Must(c->Get("/api/workers/status/")).status, 401u);
  EXPECT_EQ(Must(c->Get("/api/health/")).status, 200u);
  EXPECT_EQ(Must(c->Get("/health")).status, 200u);
  EXPECT_EQ(Must(c->Get("/v1/health/resize")).status, 200u);
  auto jpeg = Jpeg(64, 64);
  const std::string boundary = "b0undary";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n"
                     "Content-Type: image/jpeg\r\n\r\n" +
                     AsString(jpeg) + "\r\n--" + boundary + "--\r\n";
  std::vector<uint8_t> bytes(body.begin(), body.end());
  auto r = Must(c->Send({.method = "POST",
                         .target = "/upload",
                         .headers = {{"Content-Type", "multipart/form-data; boundary=" + boundary},
                                     {"Authorization", "Bearer k1"}},
                         .body = bytes}));
  EXPECT_EQ(r.status, 200u) << r.text();
}

// Thumbify and tutti: compat_thumbify_test.cc and compat_tutti_test.cc.

TEST_F(CompatApiTest, JobAdaptersShareTheQueueDepthLimit) {
  auto serve = Serve({"--compat", "thumbify,django", "--workers", "0", "--queue-depth-limit", "2"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto png = AsString(Png(40, 30));
  // A Django batch of 3 does not fit in 2: refused whole, nothing queued.
  auto r = PostForm(*c, "/api/process-batch/distributed/",
                    {{"images", "a.png", png},
                     {"images", "b.png", png},
                     {"images", "c.png", png},
                     {"filters", "", R"(["blur"])"}});
  EXPECT_EQ(r.status, 503u) << r.text();
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(PostForm(*c, "/upload/", {{"file", "one.png", png}}).status, 200u);
  EXPECT_EQ(PostForm(*c, "/upload/", {{"file", "two.png", png}}).status, 200u);
  r = PostForm(*c, "/upload/", {{"file", "three.png", png}});
  EXPECT_EQ(r.status, 503u) << r.text();
  EXPECT_FALSE(r.header("retry-after").empty());
  auto stats = Body(Must(c->Get("/v1/stats")));
  EXPECT_EQ(stats["jobs"]["queued"], 2);
}

// ---- ImageFlowCanvas gateway -----------------------------------------------------------

// The request -> pipeline translation the HTTP gateway and the gRPC services share.
TEST(ImageFlowPipelineTest, EveryEnumValueMapsToItsDocumentedPipeline) {
  imageflow::ResizeRequest resize;
  resize.target_width = 800;
  resize.target_height = 600;
  resize.maintain_aspect_ratio = true;
  const std::pair<imageflow::ResizeQuality, std::string> qualities[] = {
      {imageflow::ResizeQuality::kUnspecified, ";format:type=jpeg,q=75"},
      {imageflow::ResizeQuality::kFast, ",kernel=linear;format:type=jpeg,q=75"},
      {imageflow::ResizeQuality::kGood, ";format:type=jpeg,q=85"},
      {imageflow::ResizeQuality::kBest, ";format:type=jpeg,q=95"}};
  for (const auto& [quality, tail] : qualities) {
    resize.quality = quality;
    EXPECT_EQ(*imageflow::ResizePipeline(resize),
              "resize:w=800,h=600,fit=inside,enlarge=true" + tail);
  }
  resize.maintain_aspect_ratio = false;
  resize.quality = imageflow::ResizeQuality::kGood;
  EXPECT_EQ(*imageflow::ResizePipeline(resize),
            "resize:w=800,h=600,fit=fill,enlarge=true;format:type=jpeg,q=85");
  resize.target_height = 0;
  EXPECT_EQ(imageflow::ResizePipeline(resize).error().field, "target_height");

  imageflow::FilterRequest filter;
  const std::tuple<imageflow::FilterType, float, std::string> filters[] = {
      {imageflow::FilterType::kBlur, 1.0f, "blur:k=11;"},
      {imageflow::FilterType::kBlur, 0.1f, "blur:k=3;"},  // int(1) + 1 = 2, made odd
      {imageflow::FilterType::kBlur, 0.05f, ""},          // k = 1: the identity
      {imageflow::FilterType::kGaussian, 1.0f, "blur:sigma=2;"},
      {imageflow::FilterType::kSharpen, 0.5f, "sharpen:amount=0.5;"},
      {imageflow::FilterType::kBrightness, 0.5f, "brightness:factor=1;"},
      {imageflow::FilterType::kContrast, 1.5f, "contrast:factor=1.5;"},
      {imageflow::FilterType::kSaturation, 0.0f, "saturation:factor=0;"},
      {imageflow::FilterType::kUnspecified, 1.0f, ""}};
  for (const auto& [type, intensity, step] : filters) {
    filter.filter_type = type;
    filter.intensity = intensity;
    EXPECT_EQ(imageflow::FilterPipeline(filter), step + "format:type=jpeg,q=85")
        << imageflow::FilterTypeName(type) << " " << intensity;
    // Every mapping is a pipeline the engine accepts.
    EXPECT_TRUE(engine::ParsePipeline(imageflow::FilterPipeline(filter)).has_value());
  }
  EXPECT_EQ(imageflow::ParseFilterType("FILTER_TYPE_SATURATION"),
            imageflow::FilterType::kSaturation);
  EXPECT_EQ(imageflow::ParseFilterType("FILTER_TYPE_EMBOSS"), std::nullopt);
  EXPECT_EQ(imageflow::ParseResizeQuality("RESIZE_QUALITY_BEST"), imageflow::ResizeQuality::kBest);
}

// Intensities past an op's range land on the end of the range the op declares (read from the
// registry, as the mapping does), and the pipeline still parses.
TEST(ImageFlowPipelineTest, IntensitiesAreClampedToTheOpsDeclaredRanges) {
  const std::tuple<imageflow::FilterType, std::string_view, std::string_view> mapped[] = {
      {imageflow::FilterType::kBlur, "blur", "k"},
      {imageflow::FilterType::kGaussian, "blur", "sigma"},
      {imageflow::FilterType::kSharpen, "sharpen", "amount"},
      {imageflow::FilterType::kBrightness, "brightness", "factor"},
      {imageflow::FilterType::kContrast, "contrast", "factor"},
      {imageflow::FilterType::kSaturation, "saturation", "factor"}};
  imageflow::FilterRequest filter;
  filter.intensity = 1e9f;
  for (const auto& [type, op, param] : mapped) {
    filter.filter_type = type;
    const std::string text = imageflow::FilterPipeline(filter);
    auto parsed = engine::ParsePipeline(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    const engine::Step& step = parsed->steps.front();
    ASSERT_EQ(step.op->name, op) << text;
    const engine::ParamSpec* declared = engine::FindParam(*step.op, param);
    ASSERT_NE(declared, nullptr);
    const double given = declared->type == engine::ParamType::kInt
                             ? static_cast<double>(step.args.Int(param))
                             : step.args.Float(param);
    EXPECT_EQ(given, declared->max) << text;
  }
}

class ImageFlowGatewayTest : public CompatApiTest {
 protected:
  void SetUp() override {
    input_ = Jpeg(640, 480);
    std::filesystem::create_directories(Blobs() / "imageflow" / "in");
    ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "in" / "cat.jpg", input_));
    serve_ = Serve({"--compat", "imageflow", "--workers", "0"});
    ASSERT_TRUE(serve_);
    c_ = serve_->Client();
  }
  json Image() const { return {{"bucket", "imageflow"}, {"object_key", "in/cat.jpg"}}; }
  std::vector<uint8_t> input_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<HttpClient> c_;
};

TEST_F(ImageFlowGatewayTest, ResizeWritesExecutionIdResized) {
  auto r = PostJson(*c_, "/v1/resize",
                    {{"input_image", Image()},
                     {"target_width", 320},
                     {"target_height", 320},
                     {"maintain_aspect_ratio", true},
                     {"quality", "RESIZE_QUALITY_BEST"},
                     {"execution_id", "exec-1"}});
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
  EXPECT_EQ(j["result"]["output_image"]["bucket"], "imageflow");
  EXPECT_EQ(j["result"]["output_image"]["object_key"], "exec-1_resized.jpg");
  EXPECT_EQ(j["result"]["output_image"]["content_type"], "image/jpeg");
  EXPECT_TRUE(j["result"]["output_image"]["size_bytes"].is_string());  // int64, as MessageToDict
  EXPECT_TRUE(j["result"]["processed_at"].is_string());
  EXPECT_EQ(j["metadata"]["original_width"], 640);
  EXPECT_EQ(j["metadata"]["output_width"], 320);
  EXPECT_EQ(j["metadata"]["output_height"], 240);
  EXPECT_EQ(j["metadata"]["quality_used"], "RESIZE_QUALITY_BEST");

  imageflow::ResizeRequest req;
  req.target_width = req.target_height = 320;
  req.maintain_aspect_ratio = true;
  req.quality = imageflow::ResizeQuality::kBest;
  auto header = engine::Probe(input_);
  ASSERT_TRUE(header.has_value());
  auto pipeline = imageflow::ResizePipeline(req, &*header);
  ASSERT_TRUE(pipeline.has_value());
  EXPECT_EQ(*pipeline, "resize:w=320,h=240,fit=fill,enlarge=true;format:type=jpeg,q=95");
  EXPECT_EQ(j["result"]["metadata"]["pipeline"], *pipeline);
  auto stored = ReadFile(Blobs() / "imageflow" / "exec-1_resized.jpg");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, EngineOutput(input_, *pipeline));
  EXPECT_EQ(j["result"]["output_image"]["size_bytes"], std::to_string(stored->size()));
}

TEST_F(ImageFlowGatewayTest, FilterFromBytesAnswersOutputData) {
  std::string b64;
  {
    // Encoded by hand here so the test does not share the adapter's encoder.
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < input_.size(); i += 3) {
      uint32_t v = (input_[i] << 16) | (input_[i + 1] << 8) | input_[i + 2];
      for (int s = 18; s >= 0; s -= 6) b64 += t[(v >> s) & 63];
    }
    uint32_t v = 0;
    size_t rest = input_.size() - i;
    for (size_t k = 0; k < rest; ++k) v |= input_[i + k] << (16 - 8 * k);
    if (rest > 0) {
      b64 += t[(v >> 18) & 63];
      b64 += t[(v >> 12) & 63];
      b64 += rest == 2 ? t[(v >> 6) & 63] : '=';
      b64 += '=';
    }
  }
  auto r = PostJson(*c_, "/v1/filter",
                    {{"input_bytes", {{"data", b64}, {"format", "jpeg"}}},
                     {"filter_type", "FILTER_TYPE_GAUSSIAN"},
                     {"intensity", 1.5},
                     {"parameters", {{"note", "x"}}},
                     {"execution_id", "exec-2"}});
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
  EXPECT_EQ(j["result"]["message"], "Filter FILTER_TYPE_GAUSSIAN applied successfully");
  EXPECT_FALSE(j["result"].contains("output_image"));
  EXPECT_EQ(j["metadata"]["filter_type"], "FILTER_TYPE_GAUSSIAN");
  EXPECT_EQ(j["metadata"]["applied_parameters"]["note"], "x");
  imageflow::FilterRequest req;
  req.filter_type = imageflow::FilterType::kGaussian;
  req.intensity = 1.5f;
  EXPECT_EQ(imageflow::FilterPipeline(req), "blur:sigma=3;format:type=jpeg,q=85");
  // Decode output_data (standard base64).
  std::string data = j["result"]["output_data"];
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : data) {
    if (ch == '=') break;
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    auto v = static_cast<uint32_t>(alphabet.find(ch));
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back((acc >> bits) & 0xFF);
    }
  }
  EXPECT_EQ(out, EngineOutput(input_, imageflow::FilterPipeline(req)));
}

TEST_F(ImageFlowGatewayTest, FilterFromStoreWritesFinalJpg) {
  auto r = PostJson(*c_, "/v1/filter",
                    {{"input_image", Image()},
                     {"filter_type", "FILTER_TYPE_SATURATION"},
                     {"intensity", 0.5},
                     {"execution_id", "exec-3"}});
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["result"]["output_image"]["object_key"], "exec-3_final.jpg");
  EXPECT_EQ(j["result"]["output_image"]["width"], 640);
  auto stored = ReadFile(Blobs() / "imageflow" / "exec-3_final.jpg");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, EngineOutput(input_, "saturation:factor=0.5;format:type=jpeg,q=85"));
  // Its engine time is in the native metrics, per op.
  auto metrics = Must(c_->Get("/metrics")).text();
  EXPECT_NE(metrics.find("tessera_engine_seconds_count{op=\"saturation\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("route=\"/v1/filter\""), std::string::npos) << metrics;
}

// The seed resized with OpenCV (INTER_AREA when shrinking) and blurred with
// cv::GaussianBlur(k = int(10 i) + 1 made odd, sigma = 2 i): tessera's pixels stay close.
TEST_F(ImageFlowGatewayTest, OutputsStayCloseToTheSeedsOpenCvPixels) {
  cv::Mat source = DecodeWithOpenCv(input_);
  auto r = PostJson(*c_, "/v1/resize",
                    {{"input_image", Image()},
                     {"target_width", 320},
                     {"target_height", 240},
                     {"quality", "RESIZE_QUALITY_BEST"},
                     {"execution_id", "near"}});
  ASSERT_EQ(r.status, 200u);
  auto resized = ReadFile(Blobs() / "imageflow" / "near_resized.jpg");
  ASSERT_TRUE(resized.has_value());
  cv::Mat seed_resized;
  cv::resize(source, seed_resized, cv::Size(320, 240), 0, 0, cv::INTER_AREA);
  cv::Mat ours = DecodeWithOpenCv(*resized);
  ASSERT_EQ(ours.size(), seed_resized.size());
  EXPECT_GT(Psnr(ours, seed_resized), 30.0);

  r = PostJson(*c_, "/v1/filter",
               {{"input_image", Image()},
                {"filter_type", "FILTER_TYPE_GAUSSIAN"},
                {"intensity", 1.5},
                {"execution_id", "near"}});
  ASSERT_EQ(r.status, 200u);
  auto filtered = ReadFile(Blobs() / "imageflow" / "near_final.jpg");
  ASSERT_TRUE(filtered.has_value());
  cv::Mat seed_filtered;
  cv::GaussianBlur(source, seed_filtered, cv::Size(17, 17), 3.0);
  EXPECT_GT(Psnr(DecodeWithOpenCv(*filtered), seed_filtered), 30.0);
}

// As the original: int() truncation of the kept aspect ratio, and unknown quality or filter
// names fall back to the gateway's defaults (RESIZE_QUALITY_GOOD, FILTER_TYPE_BLUR).
TEST_F(ImageFlowGatewayTest, ResizeSizeTruncatesAndUnknownNamesFallBack) {
  ASSERT_TRUE(
      WriteFileAtomically(Blobs() / "imageflow" / "wide.jpg", Jpeg(4000, 2500)).has_value());
  auto r = PostJson(*c_, "/v1/resize",
                    {{"input_image", {{"bucket", "imageflow"}, {"object_key", "wide.jpg"}}},
                     {"target_width", 300},
                     {"target_height", 200},
                     {"quality", "RESIZE_QUALITY_SUPERB"},
                     {"execution_id", "exec-w"}});
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
  EXPECT_EQ(j["metadata"]["output_width"], 300);
  EXPECT_EQ(j["metadata"]["output_height"], 187);  // int(300 / 1.6); rounding would say 188
  EXPECT_EQ(j["metadata"]["quality_used"], "RESIZE_QUALITY_GOOD");
  auto stored = ReadFile(Blobs() / "imageflow" / "exec-w_resized.jpg");
  ASSERT_TRUE(stored.has_value());
  cv::Mat out = DecodeWithOpenCv(*stored);
  EXPECT_EQ(out.cols, 300);
  EXPECT_EQ(out.rows, 187);

  r = PostJson(*c_, "/v1/filter",
               {{"input_image", Image()},
                {"filter_type", "FILTER_TYPE_EMBOSS"},
                {"intensity", 1.0},
                {"execution_id", "exec-f"}});
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
  EXPECT_EQ(j["metadata"]["filter_type"], "FILTER_TYPE_BLUR");
}

TEST_F(ImageFlowGatewayTest, ValidationAndFailures) {
  // Missing execution_id: FastAPI's 422.
  auto r = PostJson(*c_, "/v1/resize", {{"input_image", Image()}});
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(
      r.text(),
      R"({"detail":[{"loc":["body","execution_id"],"msg":"field required","type":"value_error.missing"}]})");
  r = PostJson(*c_, "/v1/filter", {{"execution_id", "e"}});
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(
      r.text(),
      R"({"detail":[{"loc":["body","input_image"],"msg":"field required","type":"value_error.missing"}]})");
  // Several problems at once, each listed; an unknown enum name is not one of them (the
  // original gateway falls back to its default).
  r = PostJson(*c_, "/v1/filter",
               {{"input_image", {{"bucket", "b"}}},
                {"filter_type", "FILTER_TYPE_EMBOSS"},
                {"intensity", "strong"}});
  EXPECT_EQ(r.status, 422u);
  std::set<std::string> problems;
  const json details = Body(r)["detail"];
  for (const auto& d : details)
    problems.insert(d["loc"].dump() + " " + d["type"].get<std::string>());
  const std::set<std::string> want = {
      R"x(["body","input_image","object_key"] value_error.missing)x",
      R"x(["body","intensity"] type_error.float)x",
      R"x(["body","execution_id"] value_error.missing)x"};
  EXPECT_EQ(problems, want) << r.text();
  // A processing failure is a 200 with FAILED (the seed's quirk, kept).
  r = PostJson(*c_, "/v1/resize",
               {{"input_image", {{"bucket", "imageflow"}, {"object_key", "missing.jpg"}}},
                {"execution_id", "exec-4"}});
  ASSERT_EQ(r.status, 200u);
  json j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_FAILED");
  EXPECT_EQ(j["result"]["message"],
            "Resize failed: object missing.jpg does not exist in bucket imageflow");
  // Traversal in object_key is refused, not followed.
  r = PostJson(*c_, "/v1/resize",
               {{"input_image", {{"bucket", "imageflow"}, {"object_key", "../../tessera.db"}}},
                {"execution_id", "exec-5"}});
  EXPECT_EQ(Body(r)["result"]["status"], "PROCESSING_STATUS_FAILED");
  // tessera's own namespaces are not buckets: another job's upload (inputs/<id>) or result
  // is neither read nor written beside.
  for (const std::string bucket : {"inputs", "results", "tiles", "compat"}) {
    std::filesystem::create_directories(Blobs() / bucket);
    ASSERT_TRUE(WriteFileAtomically(Blobs() / bucket / "01OTHERJOB", input_).has_value());
    r = PostJson(*c_, "/v1/resize",
                 {{"input_image", {{"bucket", bucket}, {"object_key", "01OTHERJOB"}}},
                  {"target_width", 10},
                  {"target_height", 10},
                  {"execution_id", "stolen"}});
    j = Body(r);
    EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_FAILED") << bucket;
    EXPECT_NE(j["result"]["message"].get<std::string>().find("reserved"), std::string::npos)
        << r.text();
    EXPECT_FALSE(std::filesystem::exists(Blobs() / bucket / "stolen_resized.jpg")) << bucket;
  }
  // Detection runs: the gateway's default "yolo" is the people detector here (no YOLO model
  // configured); the test pattern has no people.
  r = PostJson(*c_, "/v1/detect", {{"input_image", Image()}, {"execution_id", "exec-6"}});
  ASSERT_EQ(r.status, 200u);
  j = Body(r);
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.text();
  EXPECT_EQ(j["result"]["message"], "Object detection completed. Found 0 objects.");
  EXPECT_EQ(j["result"]["metadata"]["model"], "people");
  EXPECT_EQ(j["result"]["output_image"]["object_key"], "exec-6_detected.jpg");
  EXPECT_FALSE(j.contains("detections"));
  EXPECT_EQ(j["metadata"]["model_name"], "yolo");
  EXPECT_EQ(j["metadata"]["model_version"], "opencv-hog-default-people");
  // Proto floats are written as the shortest decimal that reads back as the float.
  EXPECT_EQ(j["metadata"]["confidence_threshold"].dump(), "0.5");
  EXPECT_EQ(j["metadata"]["nms_threshold"].dump(), "0.4");
  EXPECT_GT(j["metadata"]["inference_time_ms"].get<double>(), 0);
  EXPECT_FALSE(j["metadata"].contains("total_detections"));  // 0: left out, as MessageToDict
}

// The ImageFlowCanvas workflow (k8s/workflows/grpc-pipeline-templates.yaml) on a photograph:
// resize to 800x600 -> detect on <id>_resized.jpg -> filter on <id>_detected.jpg, each step
// reading the object the previous one wrote.
TEST_F(ImageFlowGatewayTest, ResizeDetectFilterChain) {
  const auto messi = ReadFileBytes(OpenCvSample("messi5.jpg"));
  ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "in" / "messi.jpg", messi));
  auto r = PostJson(
      *c_, "/v1/resize",
      {{"input_image",
        {{"bucket", "imageflow"}, {"object_key", "in/messi.jpg"}, {"content_type", "image/jpeg"}}},
       {"target_width", 800},
       {"target_height", 600},
       {"maintain_aspect_ratio", true},
       {"quality", "RESIZE_QUALITY_GOOD"},
       {"execution_id", "wf-1"}});
  ASSERT_EQ(Body(r)["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.text();
  r = PostJson(*c_, "/v1/detect",
               {{"input_image",
                 {{"bucket", "imageflow"},
                  {"object_key", "wf-1_resized.jpg"},
                  {"content_type", "image/jpeg"}}},
                {"model_name", "face"},
                {"confidence_threshold", 0.5},
                {"nms_threshold", 0.4},
                {"draw_boxes", true},
                {"execution_id", "wf-1"}});
  json d = Body(r);
  ASSERT_EQ(d["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.text();
  EXPECT_EQ(d["result"]["output_image"]["object_key"], "wf-1_detected.jpg");
  EXPECT_EQ(d["result"]["output_image"]["width"], 800);
  ASSERT_EQ(d["detections"].size(), 1u) << r.text();
  // Messi's face, labelled by hand on the 548-pixel original, scaled to the 800-pixel step.
  const double s = 800.0 / 548.0;
  const auto& box = d["detections"][0]["bbox"];
  Box found{box["x1"].get<double>(), box["y1"].get<double>(),
            box["x2"].get<double>() - box["x1"].get<double>(),
            box["y2"].get<double>() - box["y1"].get<double>()};
  EXPECT_GE(IoU(found, Box{226 * s, 92 * s, 38 * s, 40 * s}), 0.5) << r.text();
  EXPECT_TRUE(std::filesystem::exists(Blobs() / "imageflow" / "wf-1_detected_metadata.json"));
  r = PostJson(*c_, "/v1/filter",
               {{"input_image",
                 {{"bucket", "imageflow"},
                  {"object_key", "wf-1_detected.jpg"},
                  {"content_type", "image/jpeg"}}},
                {"filter_type", "FILTER_TYPE_GAUSSIAN"},
                {"intensity", 2.0},
                {"parameters", json::object()},
                {"execution_id", "wf-1"}});
  ASSERT_EQ(Body(r)["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.text();
  auto detected = ReadFile(Blobs() / "imageflow" / "wf-1_detected.jpg");
  auto final_image = ReadFile(Blobs() / "imageflow" / "wf-1_final.jpg");
  ASSERT_TRUE(detected.has_value() && final_image.has_value());
  EXPECT_EQ(*final_image, EngineOutput(*detected, "blur:sigma=4;format:type=jpeg,q=85"));
}

TEST_F(ImageFlowGatewayTest, HealthRoutes) {
  auto r = Must(c_->Get("/health"));
  EXPECT_EQ(r.text(), R"({"status":"healthy","service":"grpc-gateway"})");
  r = Must(c_->Get("/v1/health/resize"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.text(), R"({"service":"resize","status":"healthy"})");
  r = Must(c_->Get("/v1/health/filter"));
  EXPECT_EQ(r.text(), R"({"service":"filter","status":"healthy"})");
  r = Must(c_->Get("/v1/health/detection"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.text(), R"({"service":"detection","status":"healthy"})");
  // The later gateway's camera-stream route, as it answered with that service down.
  r = Must(c_->Get("/v1/health/camera_stream"));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.text(),
            R"x({"detail":"Camera stream service unhealthy: not provided (tessera processes )x"
            R"x(images, not live camera streams)"})x");
  EXPECT_EQ(Must(c_->Get("/v1/health/unknown")).status, 404u);
}

}  // namespace
}  // namespace tessera::testing
