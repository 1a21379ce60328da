-- wrk script: POSTs pre-signed, unique SNS Notifications from a file written by
-- sns_requests_gen ("<MessageId>\t<body>" per line), each thread taking its own slice.
-- Usage: wrk -s bench/wrk_sns.lua ... URL -- REQUESTS_FILE
local lines = {}
local index = 0
local stride = 1
local offset = 0
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    local tab = line:find("\t", 1, true)
    lines[#lines + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  stride = tonumber(os.getenv("WRK_THREADS") or "1")
  index = offset
end

function request()
  local item = lines[(index % #lines) + 1]
  index = index + stride
  return wrk.format("POST", "/webhooks/sns", {
    ["Content-Type"] = "text/plain; charset=UTF-8",
    ["x-amz-sns-message-type"] = "Notification",
    ["x-amz-sns-message-id"] = item[1],
    ["x-amz-sns-topic-arn"] = "arn:aws:sns:us-east-1:123456789012:ses-feedback",
    ["User-Agent"] = "Amazon Simple Notification Service Agent",
  }, item[2])
end

local non2xx = 0
function response(status, headers, body)
  if status ~= 200 then
    non2xx = non2xx + 1
  end
end
