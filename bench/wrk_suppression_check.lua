-- wrk script: POST /v1/suppressions/check with pre-built bodies (one JSON body per line of a
-- file, each {"addresses": [...]} with 10,000 addresses), rotating.
-- Usage: wrk -s bench/wrk_suppression_check.lua ... URL -- BODIES_FILE TOKEN
local bodies = {}
index = 0  -- global: setup() gives each thread its own start with thread:set("index", ...)
local token = ""
local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter * 3)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  token = args[2]
end

function request()
  index = index + 1
  return wrk.format("POST", "/v1/suppressions/check", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, bodies[(index % #bodies) + 1])
end

bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + t:get("bad")
  end
  io.write(string.format("non-200: %d\n", n))
end
