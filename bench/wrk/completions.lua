-- wrk script: every request a POST with a body of its own (by default a new completion, with a
-- unique externalId and learner, to /api/v1/completions). BENCH_BODY is the JSON body with
-- @ID@ where the unique part goes; each wrk thread numbers its own requests under a prefix of
-- its own (BENCH_RUN). BENCH_TOKEN, when set, is sent as the bearer token; BENCH_PATH, when
-- set, is posted to instead (bench/dcc_signing.py posts credentials to the DCC's signer).
local counter = 0
local threads = 0
local body = os.getenv("BENCH_BODY")
local path = os.getenv("BENCH_PATH") or "/api/v1/completions"
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Content-Type"] = "application/json" }
if token then
  headers["Authorization"] = "Bearer " .. token
end

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
