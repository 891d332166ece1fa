-- wrk script for tools/bench/server.bench.mjs: POSTs JSON bodies in rotation (read from the file
-- named by the PERCH_BENCH_BODIES environment variable, one body per line) and prints the
-- summary as one JSON line starting with "PERCH_WRK ".
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local bodies = {}
for line in io.lines(os.getenv("PERCH_BENCH_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end

local counter = 0
request = function()
  counter = counter % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[counter])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'PERCH_WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"mean_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
