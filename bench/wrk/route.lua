-- One route under load, configured by the environment (bench/run.py sets it):
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY_FILE (request body), BENCH_CONTENT_TYPE,
--   BENCH_COOKIES_FILE (one cr_session token per line, rotated per request),
--   BENCH_XFF=1 (a random client address per request in X-Forwarded-For: many
--   clients behind one trusted proxy, so a per-IP limit sees real traffic).
-- done() prints one line "BENCH_JSON {...}" with the figures run.py reads.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/api/health"
local content_type = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
local xff = os.getenv("BENCH_XFF") == "1"
local body = nil
local tokens = {}

local function slurp(name)
  local f = assert(io.open(name, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

if os.getenv("BENCH_BODY_FILE") then
  body = slurp(os.getenv("BENCH_BODY_FILE"))
end
if os.getenv("BENCH_COOKIES_FILE") then
  for line in io.lines(os.getenv("BENCH_COOKIES_FILE")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
end

local counter = 0

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
  counter = math.random(1, 100000)
end

function request()
  counter = counter + 1
  local headers = {}
  if body then headers["Content-Type"] = content_type end
  if #tokens > 0 then
    headers["Cookie"] = "cr_session=" .. tokens[(counter % #tokens) + 1]
  end
  if xff then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d",
      math.random(0, 255), math.random(0, 255), math.random(1, 254))
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors_status": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
