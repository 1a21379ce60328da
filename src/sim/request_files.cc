// SPDX-License-Identifier: Apache-2.0
#include "sim/request_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace bw::sim {
namespace {

constexpr const char* kWrkScript =
    R"lua(-- Written by `bouncewatch simulate --write-dir`: replays the signed SNS requests of this
-- directory in a loop. Usage: wrk -t2 -c8 -d10s -s DIR/wrk.lua http://127.0.0.1:8080/webhooks/sns
-- MessageIds repeat after the first round; the server answers duplicates 200 without storing.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local requests = {}
for name in io.lines(dir .. "index.txt") do
  local f = assert(io.open(dir .. name .. ".json", "rb"))
  local body = f:read("*a")
  f:close()
  local headers = {}
  for line in io.lines(dir .. name .. ".headers") do
    local k, v = line:match("^([^:]+):%s*(.*)$")
    if k then headers[k] = v end
  end
  requests[#requests + 1] = wrk.format("POST", nil, headers, body)
end
local i = 0
function request()
  i = i % #requests + 1
  return requests[i]
end
)lua";

Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) {
    return Unavailable("cannot write " + path.string());
  }
  return {};
}

}  // namespace

Result<uint64_t> WriteRequestFiles(const std::string& dir, uint64_t count,
                                   const RequestMaker& make) {
  namespace fs = std::filesystem;
  if (count == 0) {
    return InvalidInput("--count must be at least 1");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Unavailable("cannot create " + dir + ": " + ec.message());
  }
  std::string index;
  for (uint64_t i = 0; i < count; ++i) {
    auto req = make(i);
    if (req.has_error()) {
      return req.error();
    }
    char name[32];
    std::snprintf(name, sizeof(name), "%06llu", static_cast<unsigned long long>(i + 1));
    std::string headers;
    for (const auto& [k, v] : req->headers) {
      headers += k + ": " + v + "\n";
    }
    auto s = WriteFile(fs::path(dir) / (std::string(name) + ".json"), req->body);
    if (s.has_error()) {
      return s.error();
    }
    s = WriteFile(fs::path(dir) / (std::string(name) + ".headers"), headers);
    if (s.has_error()) {
      return s.error();
    }
    index += name;
    index += '\n';
  }
  auto s = WriteFile(fs::path(dir) / "index.txt", index);
  if (s.has_error()) {
    return s.error();
  }
  s = WriteFile(fs::path(dir) / "wrk.lua", kWrkScript);
  if (s.has_error()) {
    return s.error();
  }
  return count;
}

}  // namespace bw::sim
