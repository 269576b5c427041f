-- wrk script: GET the paths in BENCH_PATHS (one per line) in turn.
local paths = {}
for line in string.gmatch(os.getenv("BENCH_PATHS") or "/health", "[^\n]+") do
  paths[#paths + 1] = line
end
local index = 0

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
