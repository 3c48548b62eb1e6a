-- tfb.lua - wrk script for tests/bench/tfb.sh: at the end of a run, one
-- line the script can read, instead of wrk's human-readable summary.
--
-- wrk (4.x) corrects its latency histogram for coordinated omission: after
-- the run, stats_correct() adds synthetic samples for every response slower
-- than twice the mean interval between a connection's requests, and the
-- percentiles come from that histogram.  It never changes latency.max,
-- which stats_record() kept as the slowest response actually measured:
-- that is the raw maximum reported.  Responses slower than --timeout are
-- not measured at all but counted as timeouts.
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"tfb-wrk requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
		"connect=%d read=%d write=%d timeout=%d status=%d\n",
		summary.requests, summary.duration,
		math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
		latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
