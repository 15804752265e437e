-- leak-rss.lua - a sender cannot grow the daemon's memory (issue 16)
--
-- Rule (issue 16): OpenSSL 3.0's CMS_verify leaked 272 bytes for every
-- detached SignedData whose digestAlgorithms it cannot set up; every such
-- message grew the long-running daemon. The regression message of the
-- fuzz corpus (tests/fuzz/regressions/verify/cms-empty-digest-
-- algorithms.eml) is sent WARMUP times, the daemon's VmRSS is read from
-- /proc, the message is sent COUNT more times (default 10,000) on the same
-- connection, each refused 550 at end of message (BZ-SIG-MALFORMED), and
-- VmRSS is read again (and every 1,000 messages). The figures are printed;
-- the growth must stay under BUZON_RSS_LIMIT_KB (tests/milter/rss-flat.sh
-- sets it by build kind: a generous bound, well above what the fixed
-- daemon shows and well below what the leak did).
-- Under a wrapper (valgrind: BUZON_MILTER_WRAPPER) RSS means nothing and
-- every message costs a hundred times more: 200 messages are sent and
-- the wrapper's own leak check at exit is the verdict.
-- tests/milter/rss-flat.sh runs this with ASan's quarantine off, so that
-- an ASan build's RSS shows live memory, not recently freed blocks.
-- config: LogLevel notice
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local wrapped = (os.getenv("BUZON_MILTER_WRAPPER") or "") ~= ""
local COUNT = tonumber(os.getenv("BUZON_RSS_MESSAGES") or "") or 10000
local WARMUP = 1000
local LIMIT_KB = tonumber(os.getenv("BUZON_RSS_LIMIT_KB") or "") or 1024
if wrapped then
	COUNT, WARMUP = 200, 20
end

-- vmrss - the daemon's resident set in kB
local function vmrss()
	local f = assert(io.open("/proc/" .. bz.pid .. "/status", "r"))
	local t = f:read("a")
	f:close()
	return tonumber(string.match(t, "VmRSS:%s*(%d+)"))
end

-- message - header fields (unfolded) and body of a CRLF message file
local function message(path)
	local f = assert(io.open(path, "rb"))
	local t = f:read("a")
	f:close()
	local s, e = string.find(t, "\r\n\r\n", 1, true)
	bz.check(s ~= nil, path .. ": no end of header")
	local head = string.gsub(string.sub(t, 1, s + 1), "\r\n[ \t]+", " ")
	local hdrs = {}
	for line in string.gmatch(head, "(.-)\r\n") do
		local name, value = string.match(line, "^([^:]+): ?(.*)$")
		hdrs[#hdrs + 1] = { name, value }
	end
	return hdrs, string.sub(t, e + 1)
end

local hdrs, body = message(os.getenv("top_srcdir") ..
    "/tests/fuzz/regressions/verify/cms-empty-digest-algorithms.eml")

-- send - n messages on conn, each refused with a reply code
local function send(conn, n, tag)
	for i = 1, n do
		bz.envelope(conn, tag .. i, "<patron@example.com>", { "<buzon@imss.example>" })
		bz.ok(mt.data(conn), "data")
		for _, h in ipairs(hdrs) do
			bz.ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
		end
		bz.ok(mt.eoh(conn), "eoh")
		bz.ok(mt.bodystring(conn, body), "body")
		bz.ok(mt.eom(conn), "eom")
		bz.reply_is(conn, SMFIR_REPLYCODE, tag .. i .. " eom")
	end
end

bz.run("malformed CMS: 550 BZ-SIG-MALFORMED and no growth", function()
	local conn = bz.open()
	send(conn, 1, "ONE")
	bz.wait_log("ONE1: rejected: ", "the decision")
	bz.wait_log("reasons BZ-SIG-MALFORMED", "the reason")
	send(conn, WARMUP - 1, "WARM")
	local before = vmrss()
	local series = { before }
	local step = COUNT // 10
	for k = 1, 10 do
		send(conn, k < 10 and step or COUNT - 9 * step, "LEAK" .. k .. "-")
		series[#series + 1] = vmrss()
	end
	local after = series[#series]
	mt.echo("RSS (kB) every " .. step .. " messages: " .. table.concat(series, " "))
	mt.disconnect(conn)
	mt.echo(string.format("RSS after %d warm-up messages: %d kB; after %d more: " ..
	    "%d kB; growth %d kB (%.1f bytes/message)%s", WARMUP, before, COUNT,
	    after, after - before, (after - before) * 1024 / COUNT,
	    wrapped and " [wrapped: not asserted]" or ""))
	if not wrapped then
		bz.check(after - before < LIMIT_KB, string.format(
		    "RSS grew by %d kB over %d messages (limit %d kB)",
		    after - before, COUNT, LIMIT_KB))
	end
end)
