-- wrk script for the suppression API: rotates through pre-built requests, one per line of a
-- file, each thread starting at its own offset.
--   get    GET /v1/suppressions/{address} over keep-alive; a line is "/v1/suppressions/<address>".
--          200 (suppressed) and 404 (not suppressed) both count as answers.
--   check  POST /v1/suppressions/check; a line is one {"addresses": [...]} JSON body. 200 only.
-- Any other status is counted and reported at the end.
-- Usage: wrk -s bench/wrk_suppressions.lua ... URL -- get|check FILE TOKEN
local lines = {}
index = 0  -- global: setup() gives each thread its own start with thread:set("index", ...)
local mode = "get"
local token = ""
local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter * 7919)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  if mode ~= "get" and mode ~= "check" then
    error("wrk_suppressions.lua: the mode must be get or check, not " .. tostring(mode))
  end
  for line in io.lines(args[2]) do
    lines[#lines + 1] = line
  end
  token = args[3]
end

function request()
  index = index + 1
  local line = lines[(index % #lines) + 1]
  if mode == "get" then
    return wrk.format("GET", line, { ["Authorization"] = "Bearer " .. token })
  end
  return wrk.format("POST", "/v1/suppressions/check", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, line)
end

unexpected = 0
function response(status, headers, body)
  if status ~= 200 and not (mode == "get" and status == 404) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + t:get("unexpected")
  end
  io.write(string.format("unexpected statuses: %d\n", n))
end
