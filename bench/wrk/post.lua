-- wrk script: POST BENCH_BODY (JSON) to BENCH_PATH with the bearer token BENCH_TOKEN, every time.
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")

function request()
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
