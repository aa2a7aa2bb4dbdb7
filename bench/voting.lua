-- wrk script for bench/voting.py: each wrk thread drives ONE connection (run wrk with as many
-- threads as connections), so a thread's state is its rater's: the cookies of one simulated
-- rater (a line of the file named by LIMA_BENCH_COOKIES), the token and CSRF field of the pair
-- on its screen. A rater GETs /r/{slug}/vote/, POSTs its choice, and follows what the answer
-- says: a page with a pair (the next pair, answered directly) is voted on at once; a redirect
-- is followed with a GET. Without LIMA_BENCH_COOKIES (the bare phase) every request is a GET
-- of the URL given to wrk, through the same Lua request() call, so both phases pay for it.
local counter = 0
local lines = {}

local function read_lines(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then table.insert(out, line) end
  end
  return out
end

local bare = os.getenv("LIMA_BENCH_COOKIES") == nil

function setup(thread)
  if bare then return end
  if #lines == 0 then lines = read_lines(os.getenv("LIMA_BENCH_COOKIES")) end
  counter = counter + 1
  thread:set("cookie", lines[((counter - 1) % #lines) + 1])
  thread:set("n", counter)
end

local path, token, csrf, choice_n
local posts, gets, other = 0, 0, 0
local choices = { "left", "right", "tie" }

function init(args)
  if bare then path = wrk.path; return end
  path = "/r/" .. os.getenv("LIMA_BENCH_SLUG") .. "/vote/"
  choice_n = n
end

function request()
  if bare then return wrk.format("GET", path) end
  if token then
    choice_n = choice_n + 1
    local body = "token=" .. token .. "&choice=" .. choices[(choice_n % 3) + 1] .. "&csrfmiddlewaretoken=" .. csrf
    token = nil
    posts = posts + 1
    return wrk.format("POST", path, {
      ["Cookie"] = cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
  gets = gets + 1
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  if status == 200 then
    token = body:match('name="token" value="([^"]+)"')
    csrf = body:match('name="csrfmiddlewaretoken" value="([^"]+)"')
  elseif status ~= 302 then
    other = other + 1
  end
end

function done(summary, latency, requests)
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "errors_status": %d, "errors_connect": %d, "errors_read": %d, '
      .. '"errors_write": %d, "errors_timeout": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f}',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000)
  io.write("WRK_JSON " .. out .. "\n")
end
