#include "api/compat/g/g_runner.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "core/file_io.h"
#include "core/ids.h"
#include "core/log.h"

namespace tessera::api::compat::g {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKeyPrefix = "g:";
constexpr std::string_view kPendingPrefix = "compat/g/pending/";
constexpr size_t kListPage = 1000;

std::string Hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string IdempotencyKey(const std::string& run, size_t number) {
  return std::string(kKeyPrefix) + run + ":" + std::to_string(number);
}

// "g:<run>:<N>" -> "compat/g/outputs/<hex run>-<N>"; nullopt for a job that is not g's.
std::optional<std::string> PairingKey(std::string_view idempotency_key) {
  if (!idempotency_key.starts_with(kKeyPrefix)) return std::nullopt;
  std::string_view rest = idempotency_key.substr(kKeyPrefix.size());
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return "compat/g/outputs/" + Hex(rest.substr(0, colon)) + "-" +
         std::string(rest.substr(colon + 1));
}

std::vector<fs::path> Glob(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    // filepath.Glob matches names, whatever they are (a directory named x.png included), but
    // hidden names only when the pattern starts with '.': "*.png" skips ".x.png".
    std::string name = p.filename().string();
    if (name.starts_with(".")) continue;
    if (name.size() > extension.size() && name.ends_with(extension)) out.push_back(p);
  }
  std::sort(out.begin(), out.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return out;
}

}  // namespace

std::string BlurPipeline(int kernel) {
  return "blur:k=" + std::to_string(kernel) + ",rounding=truncate;format:type=png";
}

std::vector<fs::path> FindImages(const fs::path& dir) {
  std::vector<fs::path> images;
  for (std::string_view ext : {".png", ".jpg", ".jpeg"}) {
    for (fs::path& p : Glob(dir, ext)) {
      if (p.filename().string().find("blurred") != std::string::npos) continue;
      images.push_back(std::move(p));
    }
  }
  return images;
}

fs::path OutputPath(const fs::path& output_dir, size_t index) {
  return output_dir / ("img" + std::to_string(index + 1) + "_blurred.png");
}

Result<std::vector<QueuedImage>> QueueImages(jobs::JobService& jobs, store::BlobStore& blobs,
                                             const fs::path& input_dir, const fs::path& output_dir,
                                             int kernel, const std::string& run) {
  const std::string run_id = run.empty() ? NewId(SystemClock::Get()) : run;
  const fs::path out_dir = fs::absolute(output_dir).lexically_normal();
  std::vector<QueuedImage> queued;
  std::vector<fs::path> images = FindImages(input_dir);
  for (size_t i = 0; i < images.size(); ++i) {
    QueuedImage q{.input = images[i], .output = OutputPath(out_dir, i)};
    auto bytes = ReadFile(q.input);
    if (!bytes) return bytes.error();
    std::string key = IdempotencyKey(run_id, i + 1);
    std::string out = q.output.string();
    if (auto s =
            blobs.Put(*PairingKey(key), {reinterpret_cast<const uint8_t*>(out.data()), out.size()});
        !s) {
      return s.error();
    }
    jobs::SubmitRequest request{
        .image = *bytes, .pipeline = BlurPipeline(kernel), .idempotency_key = key, .tiles = "on"};
    auto created = jobs.Submit(request);
    if (!created) {
      Error e = created.error();
      e.message = q.input.string() + ": " + e.message;
      return e;
    }
    q.job_id = created->job.id;
    const std::string pairing = *PairingKey(key);
    if (auto s = blobs.Put(std::string(kPendingPrefix) + q.job_id,
                           {reinterpret_cast<const uint8_t*>(pairing.data()), pairing.size()});
        !s) {
      return s.error();
    }
    queued.push_back(std::move(q));
  }
  return queued;
}

Result<std::vector<OutputWriter::Written>> OutputWriter::WriteFinished() {
  std::vector<Written> written;
  auto pending = blobs_.List(kPendingPrefix, kListPage);
  if (!pending) return pending.error();
  for (const std::string& entry : *pending) {
    const std::string job_id = entry.substr(kPendingPrefix.size());
    auto status = jobs_.Get(job_id);
    if (!status) {
      if (status.error().code != ErrorCode::kNotFound) return status.error();
      (void)blobs_.Delete(entry);  // expired from the job store: nothing left to write
      continue;
    }
    const queue::JobRecord& job = status->job;
    if (!queue::IsTerminal(job.state)) continue;
    auto pairing = blobs_.Get(entry, 4096);
    if (!pairing) {
      if (pairing.error().code == ErrorCode::kNotFound) continue;  // another writer took it
      return pairing.error();
    }
    const std::string pairing_key(pairing->begin(), pairing->end());
    auto path = blobs_.Get(pairing_key, 4096);
    if (!path) {
      if (path.error().code != ErrorCode::kNotFound) return path.error();
      (void)blobs_.Delete(entry);  // written by another writer
      continue;
    }
    Written w{.job_id = job.id, .output = std::string(path->begin(), path->end())};
    if (job.state == queue::JobState::kSucceeded) {
      auto bytes = jobs_.ResultBytes(job.id);
      Status s = bytes ? WriteFileAtomically(w.output, *bytes) : Status(bytes.error());
      if (!s) {
        // Left pending: the next pass tries again (a full disk may clear).
        Log(LogLevel::kWarn, "g_output_failed",
            {{"job_id", job.id}, {"output", w.output.string()}, {"error", s.error().ToString()}});
        continue;
      }
      w.ok = true;
    } else {
      w.error = !job.error ? std::string(queue::JobStateName(job.state))
                           : std::string(CodeName(job.error->code)) + ": " + job.error->message;
    }
    if (auto s = blobs_.Delete(pairing_key); !s) return s.error();
    if (auto s = blobs_.Delete(entry); !s) return s.error();
    written.push_back(std::move(w));
  }
  return written;
}

}  // namespace tessera::api::compat::g
