-- wrk script: GET /v1/suppressions/{address} over keep-alive, rotating through the paths in a
-- file (one "/v1/suppressions/<address>" per line), each thread starting at its own offset.
-- Usage: wrk -s bench/wrk_suppression_get.lua ... URL -- PATHS_FILE TOKEN
-- 200 (suppressed) and 404 (not suppressed) both count as answers; anything else is reported.
local paths = {}
index = 0  -- global: setup() gives each thread its own start with thread:set("index", ...)
local token = ""
local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter * 7919)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  token = args[2]
end

function request()
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1], { ["Authorization"] = "Bearer " .. token })
end

unexpected = 0
function response(status, headers, body)
  if status ~= 200 and status ~= 404 then
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
