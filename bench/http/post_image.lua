-- wrk script for bench/http/run_http_bench.sh: POSTs one image as the raw request body on
-- keep-alive connections and counts the responses by status code.
--
--   PHOTO=bench/photos/derived/photo-2mp.jpg \
--   wrk -t2 -c8 -d15s -s bench/http/post_image.lua \
--     'http://127.0.0.1:PORT/v1/process?pipeline=thumbnail%3Aw%3D256%3Bformat%3Atype%3Djpeg%2Cq%3D80'
--
-- done() prints one line "WRK_JSON {...}" with: duration, requests, bytes, socket errors,
-- latency percentiles of all responses (wrk's own, microseconds), the count per status code,
-- and percentiles of the server's own X-Queue-Time-Ms / X-Processing-Time-Ms over the 200s
-- (wrk cannot pair a request with its response in Lua, so per-status client latency is not
-- available; the 429s are fast and pull wrk's percentiles down past saturation).

local photo = os.getenv("PHOTO")
assert(photo, "set PHOTO to the image file to POST")
local f = assert(io.open(photo, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "image/jpeg"

-- Per running thread (each has its own Lua state); read back in done() via thread:get.
statuses = {}    -- "200" -> count
queue_ms = {}    -- X-Queue-Time-Ms of each 200
engine_ms = {}   -- X-Processing-Time-Ms of each 200
out_bytes = 0    -- body bytes of the 200s
bad_sample = ""  -- first response with an unexpected status: "status body"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 200 then
    local q = tonumber(headers["X-Queue-Time-Ms"])
    local e = tonumber(headers["X-Processing-Time-Ms"])
    if q then queue_ms[#queue_ms + 1] = q end
    if e then engine_ms[#engine_ms + 1] = e end
    out_bytes = out_bytes + #body
  elseif status ~= 429 and status ~= 503 and bad_sample == "" then
    bad_sample = key .. " " .. string.sub(body or "", 1, 300)
  end
end

local function percentiles(values)
  table.sort(values)
  local n = #values
  local function at(p)
    if n == 0 then return nil end
    local i = math.max(1, math.min(n, math.ceil(p / 100 * n)))
    return values[i]
  end
  return { n = n, p50 = at(50), p90 = at(90), p99 = at(99), max = values[n] }
end

-- Minimal JSON for flat/nested tables of numbers and strings (keys are strings).
local function json(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = string.format("%q:%s", tostring(k), json(x))
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "string" then
    return (string.format("%q", v):gsub("\\\n", "\\n"))
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return string.format("%.10g", v)
  elseif v == nil then
    return "null"
  end
  return tostring(v)
end

function done(summary, latency, requests)
  local counts, q, e, bytes, bad = {}, {}, {}, 0, ""
  for _, thread in ipairs(threads) do
    for k, n in pairs(thread:get("statuses")) do counts[k] = (counts[k] or 0) + n end
    for _, x in ipairs(thread:get("queue_ms")) do q[#q + 1] = x end
    for _, x in ipairs(thread:get("engine_ms")) do e[#e + 1] = x end
    bytes = bytes + thread:get("out_bytes")
    if bad == "" then bad = thread:get("bad_sample") end
  end
  local lat = {
    min = latency.min, mean = latency.mean, stdev = latency.stdev, max = latency.max,
    p50 = latency:percentile(50), p90 = latency:percentile(90),
    p99 = latency:percentile(99), p999 = latency:percentile(99.9),
  }
  io.write("WRK_JSON ", json({
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = lat,
    statuses = counts,
    ok_out_bytes = bytes,
    server_queue_ms_200 = percentiles(q),
    server_engine_ms_200 = percentiles(e),
    unexpected_sample = bad,
  }), "\n")
end
