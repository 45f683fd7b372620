// Issue 18: a hostile corpus (bombs, truncations, bit flips, zero bytes, text, polyglots, huge
// frame counts) through every front end of one real `tessera serve` and the CLI, with one
// expected code per file: `tessera process`, HTTP `POST /v1/process`, HTTP `POST /v1/jobs` (refused
// at submit or ending dead), gRPC `Process` and gRPC `SubmitJob`. Each file answers the same
// code everywhere, under the default decode policy and under `--fail-on warning`.
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/grpc/status_mapping.h"
#include "api/http/client.h"
#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"
#include "tessera/v1/image_service.grpc.pb.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = tessera::v1;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using Bytes = std::vector<uint8_t>;

constexpr char kPipeline[] = "resize:w=32;format:type=png";
constexpr char kOk[] = "ok";

struct HostileFile {
  std::string name;
  Bytes bytes;
  std::string expected;         // CodeName, or "ok"
  std::string expected_strict;  // under --fail-on warning
};

Bytes FromString(std::string_view s) { return Bytes(s.begin(), s.end()); }

void PutBigEndian32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// A PNG whose IHDR claims 100000 x 100000 (the CRC recomputed so only the size is hostile).
Bytes PngBomb() {
  Bytes png = EncodeWithOpenCv(MakeTestPattern(8, 8), ".png");
  PutBigEndian32(png, 16, 100000);
  PutBigEndian32(png, 20, 100000);
  uint32_t crc = 0xffffffffu;
  for (size_t i = 12; i < 29; ++i) {
    crc ^= png[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  PutBigEndian32(png, 29, ~crc);
  return png;
}

// A GIF of `frames` 4x4 frames, written by Pillow (Debian's python3-pil).
Bytes ManyFrameGif(const fs::path& dir, int frames) {
  const fs::path out = dir / "frames.gif";
  auto run =
      RunProcess({"/usr/bin/python3", "-c",
                  "import sys\nfrom PIL import Image\nn=int(sys.argv[2])\n"
                  "f=[Image.new('P',(4,4),i%256) for i in range(n)]\n"
                  "f[0].save(sys.argv[1],save_all=True,append_images=f[1:],duration=10,loop=0)\n",
                  out.string(), std::to_string(frames)});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto bytes = ReadFile(out);
  return bytes ? *bytes : Bytes{};
}

// Flips bytes inside the entropy-coded data of a baseline JPEG (after its SOS marker), leaving
// the headers and the end marker whole: libjpeg decodes it with "corrupt data" warnings.
Bytes BitFlippedJpeg() {
  Bytes jpeg = EncodeWithOpenCv(MakeTestPattern(256, 192), ".jpg");
  size_t sos = 0;
  for (size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xda) {
      sos = i;
      break;
    }
  }
  EXPECT_GT(sos, 0u);
  for (size_t i = sos + 200; i + 2 < jpeg.size(); i += 97) jpeg[i] ^= 0x5a;
  return jpeg;
}

std::vector<HostileFile> Corpus(const fs::path& dir) {
  const Bytes jpeg = EncodeWithOpenCv(MakeTestPattern(256, 192), ".jpg");
  const Bytes png = EncodeWithOpenCv(MakeTestPattern(256, 192), ".png");
  const Bytes polyglot =
      FromString(std::string("GIF89a<?php system($_GET['c']); ?>") + std::string(64, '\0'));
  Bytes zip_after_jpeg = jpeg;  // a JPEG with an archive appended: still a whole JPEG
  const Bytes zip = FromString("PK\x03\x04 an archive member follows");
  zip_after_jpeg.insert(zip_after_jpeg.end(), zip.begin(), zip.end());
  Bytes bad_sof = jpeg;  // SOF0 width set to zero
  for (size_t i = 2; i + 8 < bad_sof.size(); ++i) {
    if (bad_sof[i] == 0xff && bad_sof[i + 1] == 0xc0) {
      bad_sof[i + 7] = 0;
      bad_sof[i + 8] = 0;
      break;
    }
  }
  return {
      {"control.png", png, kOk, kOk},
      {"zero_bytes", {}, "bad_request", "bad_request"},
      {"text.txt", FromString("hello, this is not an image\n"), "unsupported_media",
       "unsupported_media"},
      {"polyglot_gif_php", polyglot, "corrupt_image", "corrupt_image"},
      {"jpeg_then_zip.jpg", zip_after_jpeg, kOk, kOk},
      {"truncated.jpg", Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() / 2), "corrupt_image",
       "corrupt_image"},
      {"truncated.png", Bytes(png.begin(), png.begin() + png.size() / 2), "corrupt_image",
       "corrupt_image"},
      {"bit_flipped.jpg", BitFlippedJpeg(), kOk, "corrupt_image"},
      {"zero_width_sof.jpg", bad_sof, "corrupt_image", "corrupt_image"},
      {"bomb_100000x100000.png", PngBomb(), "too_many_pixels", "too_many_pixels"},
      {"frames_3000.gif", ManyFrameGif(dir, 3000), "too_many_pixels", "too_many_pixels"},
  };
}

std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::string HttpCode(const Result<api::http::ClientResponse>& r) {
  if (!r) return "no answer: " + r.error().ToString();
  if (r->status == 200 || r->status == 202) return kOk;
  auto body = json::parse(r->text(), nullptr, false);
  if (!body.is_object() || !body["error"].is_object()) return "status " + std::to_string(r->status);
  return body["error"].value("code", "?");
}

// "ok", the tessera-error-code trailer of a failed call, or the bare gRPC status without one.
std::string CodeOf(const ::grpc::ClientContext& context, const ::grpc::Status& status) {
  if (status.ok()) return kOk;
  const auto& md = context.GetServerTrailingMetadata();
  auto it = md.find(api::grpc::kErrorCodeKey);
  return it == md.end() ? "grpc " + std::to_string(status.error_code())
                        : std::string(it->second.data(), it->second.size());
}

class HostileCorpusTest : public ::testing::TestWithParam<bool> {
 protected:
  bool strict() const { return GetParam(); }
  std::vector<std::string> PolicyArgs() const {
    return strict() ? std::vector<std::string>{"--fail-on", "warning"} : std::vector<std::string>{};
  }

  TempDir dir_;
};

TEST_P(HostileCorpusTest, EveryFrontEndAnswersTheSameCodeForEachFile) {
  InitEngineForTests();
  std::vector<std::string> args = {"serve",
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--grpc-port",
                                   "0",
                                   "--workers",
                                   "1",
                                   "--max-attempts",
                                   "1",
                                   "--data-dir",
                                   (dir_.path() / "data").string()};
  for (const auto& a : PolicyArgs()) args.push_back(a);
  auto serve = StartTessera(args, dir_.path() / "logs");
  int http_port = 0, grpc_port = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        http_port = LoggedPort(serve->Stderr(), "http_listening");
        grpc_port = LoggedPort(serve->Stderr(), "grpc_listening");
        return http_port != 0 && grpc_port != 0;
      },
      milliseconds(20'000)))
      << serve->Stderr();
  HttpClient http("127.0.0.1", http_port);
  auto stub = v1::ImageService::NewStub(::grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port), ::grpc::InsecureChannelCredentials()));

  for (const HostileFile& file : Corpus(dir_.path())) {
    const std::string expected = strict() ? file.expected_strict : file.expected;
    SCOPED_TRACE(file.name + " (expected " + expected + ")");

    // The CLI: exit 0, or exit 1 with "<code>: ..." on stderr.
    const fs::path in = dir_.path() / ("in-" + file.name);
    ASSERT_TRUE(WriteFileAtomically(in, file.bytes).has_value());
    std::vector<std::string> cli = {"process",    in.string(),
                                    "--output",   (dir_.path() / "out.png").string(),
                                    "--pipeline", kPipeline};
    for (const auto& a : PolicyArgs()) cli.push_back(a);
    auto run = RunTessera(cli);
    if (expected == kOk) {
      EXPECT_EQ(run.exit_code, 0) << "CLI: " << run.err;
    } else {
      EXPECT_EQ(run.exit_code, 1) << "CLI: " << run.err;
      EXPECT_NE(run.err.find(expected + ":"), std::string::npos) << "CLI: " << run.err;
    }

    // HTTP, synchronous.
    auto sync = http.Send({.method = "POST",
                           .target = "/v1/process?pipeline=" + HttpClient::Encode(kPipeline),
                           .body = file.bytes});
    EXPECT_EQ(HttpCode(sync), expected) << "HTTP /v1/process";

    // HTTP, as a job: refused at submit, or run to its end.
    auto submitted = http.Send({.method = "POST",
                                .target = "/v1/jobs?pipeline=" + HttpClient::Encode(kPipeline),
                                .body = file.bytes});
    std::string job_code = HttpCode(submitted);
    if (job_code == kOk) {
      const std::string id = json::parse(submitted->text())["id"];
      json job;
      EXPECT_TRUE(WaitFor(
          [&] {
            auto r = http.Get("/v1/jobs/" + id);
            job = r ? json::parse(r->text(), nullptr, false) : json::object();
            const std::string state = job.value("state", "");
            return state == "succeeded" || state == "dead";
          },
          milliseconds(30'000)))
          << job.dump();
      job_code = job.value("state", "") == "succeeded" ? kOk
                 : job["error"].is_object()            ? job["error"].value("code", "?")
                                                       : "?";
    }
    EXPECT_EQ(job_code, expected) << "HTTP /v1/jobs";

    // gRPC Process: OK, or the code in the tessera-error-code trailer.
    {
      ::grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::ProcessRequest request;
      request.set_image(AsString(file.bytes));
      request.set_pipeline(kPipeline);
      v1::ProcessResponse response;
      auto status = stub->Process(&context, request, &response);
      std::string code = CodeOf(context, status);
      EXPECT_EQ(code, expected) << "gRPC Process: " << status.error_message();
    }

    // gRPC SubmitJob: refused at submit, or run to its end.
    {
      ::grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::SubmitJobRequest request;
      request.set_image(AsString(file.bytes));
      request.set_pipeline(kPipeline);
      v1::SubmitJobResponse response;
      auto status = stub->SubmitJob(&context, request, &response);
      std::string code = CodeOf(context, status);
      if (status.ok()) {
        v1::Job job;
        EXPECT_TRUE(WaitFor(
            [&] {
              ::grpc::ClientContext get_context;
              v1::GetJobRequest get;
              get.set_id(response.job().id());
              return stub->GetJob(&get_context, get, &job).ok() &&
                     (job.state() == v1::JOB_STATE_SUCCEEDED || job.state() == v1::JOB_STATE_DEAD);
            },
            milliseconds(30'000)));
        if (job.state() != v1::JOB_STATE_SUCCEEDED) code = job.error().code();
      }
      EXPECT_EQ(code, expected) << "gRPC SubmitJob: " << status.error_message();
    }
  }
  EXPECT_EQ(serve->Stderr().find("\"level\":\"fatal\""), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(DecodePolicies, HostileCorpusTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Strict" : "Default"; });

}  // namespace
}  // namespace tessera::testing
