// Structured logging: one JSON object per line on stderr, so logs of every process (server,
// workers) can be collected and joined by request_id / job_id.
//
//   Log(LogLevel::kInfo, "task_done", {{"job_id", id}, {"ms", "42"}});
//   {"ts":"2026-11-23T12:00:00.123Z","level":"info","event":"task_done","job_id":"...","ms":"42"}
//
// Thread-safe; each line is written with one write(2).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tessera {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogField = std::pair<std::string_view, std::string>;

// One JSON line on stderr. Lines below kInfo are dropped, or below TESSERA_LOG_LEVEL
// (debug|info|warn|error) when it is set.
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace tessera
