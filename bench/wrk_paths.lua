-- wrk script: GET a random line of the file WRK_PATHS (weights = repeated lines),
-- and print the summary as one JSON line (wrk's own output has no p95).
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.2f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, ' ..
    '"mean_ms": %.2f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3, e.connect, e.read, e.write, e.timeout, e.status))
end
