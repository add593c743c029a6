-- wrk script for the benchmark: POST the JSON body given as the first script argument, with
-- "Authorization: Bearer <second argument>" when one is given, and print one machine-readable
-- line: WRK {"requests":..,"p50_us":..,...} ("non2xx" is wrk's count of answers >= 400).
-- usage: wrk -t1 -c64 -d8s -s post.lua URL -- '{"model":...}' [KEY]
function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = "application/json"
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
