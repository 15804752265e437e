-- forged-output.lua - what a certificate or a message says cannot forge
-- the daemon's log, nor make buzonctl's JSON invalid
--
-- Rule (issue 8): "A certificate name with ESC and newline made ... the
-- log [print] a fake `reasons: none`. Every sender- or certificate-
-- controlled value ... logged has control characters escaped; all JSON
-- output is valid UTF-8 whatever the input bytes (test with 8-bit
-- Message-ID and file names)." Material from tests/efirma/make-forged.sh:
-- a submission signed by a certificate whose CN, O and RFC carry ESC, CR,
-- BEL and newlines (rejected; LogLevel debug logs its RFC), and a genuine
-- one with a Message-ID, Subject and attachment names in raw 8-bit
-- (accepted and recorded). The log holds no raw control character, is
-- valid UTF-8 and every line is one of ours; the store's JSON (event
-- details, receipt show/list, outbox) parses strictly, and a repeat of
-- the 8-bit message leaves `store verify-chain` intact.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local dir = string.match(bz.conf, "^(.*)/[^/]*$")
local pki = os.getenv("top_builddir") .. "/tests/pki/generated"
local ctl = os.getenv("top_builddir") .. "/buzonctl"
local m = dir .. "/forged"

-- strict - a shell pipeline's output must be strict UTF-8 JSON
local function strict(cmd, what)
	bz.check(os.execute(cmd .. " | python3 -c 'import json, sys; "
	    .. "json.loads(sys.stdin.buffer.read().decode(\"utf-8\"))'"),
	    what .. ": not strict UTF-8 JSON")
end

bz.run("no forged log line, strict JSON", function()
	bz.check(os.execute(string.format("'%s/tests/efirma/make-forged.sh' '%s' '%s' >'%s/make.log' 2>&1",
	    os.getenv("top_srcdir"), pki, m, dir)), "make-forged.sh failed")
	-- the forged certificate: rejected at end of message
	local conn = bz.open()
	bz.envelope(conn, "FORGE1", "<patron@example.com>", { "<" .. bz.mailbox .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.send_file(conn, m .. "/forged.eml")
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_REPLYCODE, "FORGE1 eom")
	mt.disconnect(conn)
	bz.wait_log("FORGE1: rejected: ", "FORGE1 decision line")
	bz.wait_log("FORGE1: signer RFC PEGJ800101AB3\\nverdict:    accepted",
	    "the RFC logged escaped")
	-- 8-bit Message-ID, Subject and file names: accepted and recorded
	local folio = bz.submit("FORGE2", m .. "/names.eml")

	local log = bz.log_text()
	bz.check(utf8.len(log) ~= nil, "the log is not valid UTF-8")
	for line in string.gmatch(log, "[^\n]+") do
		bz.check(not string.find(line, "[%z\1-\31\127]"),
		    "raw control character in the log: " .. line)
		bz.check(string.find(line, "^buzon[%-%a]*%[%a+%]: "),
		    "a log line not of ours: " .. line)
	end

	-- the same 8-bit message again: a repeat, its event written by the
	-- JSON writer, with no spool path; verify-chain still finds every
	-- record intact (its digests are of the raw bytes in the rows)
	bz.check(bz.submit("FORGE3", m .. "/names.eml") == folio,
	    "FORGE3 is not a repeat of " .. folio)
	bz.check(bz.sql("SELECT count(*) FROM events WHERE kind = 'repeat' AND " ..
	    "json_type(detail, '$.spool_path') = 'null'") == "1",
	    "FORGE3: no repeat event without a spool path")
	bz.check(os.execute(string.format("'%s' -c '%s' store verify-chain >'%s/chain.out' 2>&1",
	    ctl, bz.conf, dir)), "store verify-chain after 8-bit filings: not intact")

	-- every event detail is JSON, and UTF-8
	for line in string.gmatch(bz.sql("SELECT detail FROM events"), "[^\n]+") do
		bz.check(utf8.len(line) ~= nil, "event detail not UTF-8: " .. line)
	end
	local c = string.format("'%s' -c '%s' ", ctl, bz.conf)
	strict(c .. "receipt show " .. folio .. " --json", "receipt show --json")
	strict(c .. "receipt list --json", "receipt list --json")
	strict(c .. "store outbox --all --json", "store outbox --json")
	strict(c .. "store verify-chain --json", "store verify-chain --json")
	strict("sqlite3 '" .. bz.db .. "' \"SELECT '[' || group_concat(detail) || ']' FROM events\"",
	    "event details")
end)
