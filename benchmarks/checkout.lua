-- wrk's script for benchmarks/checkout.py: every request POSTs the same checkout (the JSON body given
-- as the second argument; the Authorization and Content-Type headers come from wrk's -H) with an
-- Idempotency-Key of its own, and every answer that is not 201 Created is counted, so that a run of
-- refusals is never read as throughput.
--
--   wrk ... -s checkout.lua <url> -- <key prefix> <json body>
--
-- The key prefix comes from Python, new for each run: wrk's LuaJIT seeds math.random the same way
-- every time, so it cannot make keys that differ between runs on the same database.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  -- Each wrk thread has a Lua state of its own: its number keeps its keys apart from the others'.
  prefix = args[1] .. "-" .. number .. "-"
  wrk.method = "POST"
  wrk.body = args[2]
  sent = 0
  refused = 0
  first_refusal = ""
end

function request()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = prefix .. sent
  return wrk.format()
end

function response(status, headers, body)
  if status ~= 201 then
    refused = refused + 1
    if first_refusal == "" then
      first_refusal = status .. " " .. string.sub(string.gsub(body, "%s+", " "), 1, 400)
    end
  end
end

function done(summary, latency, requests)
  local refused, first = 0, ""
  for _, thread in ipairs(threads) do
    refused = refused + thread:get("refused")
    if first == "" then
      first = thread:get("first_refusal")
    end
  end
  io.write(string.format("not 201: %d\n", refused))
  if first ~= "" then
    io.write("first refusal: " .. first .. "\n")
  end
  -- wrk's --latency table has no 95th percentile; the README's checkout figures have one.
  io.write(string.format("p95: %d us\n", latency:percentile(95)))
end
