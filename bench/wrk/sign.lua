-- wrk script: POST BENCH_BODY to BENCH_PATH with no credentials, @ID@ in the body replaced by a
-- part unique to each request (BENCH_RUN, the thread, a counter), as completions.lua does.
local counter = 0
local threads = 0
local body = os.getenv("BENCH_BODY")
local path = os.getenv("BENCH_PATH")
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  threads = threads + 1
  thread:set("prefix", os.getenv("BENCH_RUN") .. "-" .. threads)
end

function request()
  counter = counter + 1
  local unique = prefix .. "-" .. counter
  return wrk.format("POST", path, headers, (body:gsub("@ID@", unique)))
end

function done(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
