-- wrk script: every POST /api/v1/completions a new completion (unique externalId and learner).
-- BENCH_TOKEN carries the bearer token, BENCH_BODY the JSON body with @ID@ where the unique
-- part goes; each wrk thread numbers its own requests under a prefix of its own.
local counter = 0
local threads = 0
local body = os.getenv("BENCH_BODY")
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}

function setup(thread)
  threads = threads + 1
  thread:set("prefix", os.getenv("BENCH_RUN") .. "-" .. threads)
end

function request()
  counter = counter + 1
  local unique = prefix .. "-" .. counter
  return wrk.format("POST", "/api/v1/completions", headers, (body:gsub("@ID@", unique)))
end

function done(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
