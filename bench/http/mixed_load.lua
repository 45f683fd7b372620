-- wrk script for bench/http/run_rss_bench.sh: a mixed load that cycles through every
-- (photo, pipeline) pair, POSTing the photo as the raw body of /v1/process.
--
--   PHOTOS=a.jpg,b.jpg PIPELINES='thumbnail:w=256|blur:sigma=5' wrk -t2 -c4 -d60s \
--     -s bench/http/mixed_load.lua http://127.0.0.1:PORT
--
-- Pipelines are separated by '|' (they contain ';' and ','); each gets
-- ";format:type=jpeg,q=80". done() prints "WRK_JSON {...}" with the count per status code.

local function split(s, sep)
  local out = {}
  for item in string.gmatch(s, "[^" .. sep .. "]+") do out[#out + 1] = item end
  return out
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local bodies, paths = {}, {}
for _, file in ipairs(split(assert(os.getenv("PHOTOS"), "set PHOTOS"), ",")) do
  local f = assert(io.open(file, "rb"))
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
for _, p in ipairs(split(assert(os.getenv("PIPELINES"), "set PIPELINES"), "|")) do
  paths[#paths + 1] = "/v1/process?pipeline=" .. urlencode(p .. ";format:type=jpeg,q=80")
end

local n = 0
local threads = {}
statuses = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  n = offset or 0
end

function request()
  n = n + 1
  local body = bodies[(n % #bodies) + 1]
  local path = paths[(math.floor(n / #bodies) % #paths) + 1]
  return wrk.format("POST", path, { ["Content-Type"] = "image/jpeg" }, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for k, c in pairs(thread:get("statuses")) do
      parts[k] = (parts[k] or 0) + c
    end
  end
  local s = {}
  for k, c in pairs(parts) do s[#s + 1] = string.format("%q:%d", k, c) end
  table.sort(s)
  io.write(string.format('WRK_JSON {"requests":%d,"errors":%d,"statuses":{%s}}\n',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout, table.concat(s, ",")))
end
