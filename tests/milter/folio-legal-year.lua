-- folio-legal-year.lua - the folio's year is the year of the LEGAL instant
--
-- Rule (issue 5): "Folio: BZ-YYYY-NNNNNNNN, the year of the legal instant,
-- strictly increasing within a year, unique forever". The legal instant is
-- local (America/Mexico_City) and moves a filing on a rest day to the next
-- working day, so its year may differ from the arrival's year in UTC and
-- from the local arrival date's year. The clock is stepped with TestClock
-- and SIGUSR1 (one generation per row); each row sends a submission with
-- its own signed entity (a copy of an earlier one would be a repeat and
-- get the earlier folio: the last row checks that too).
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")


-- Rows: TestClock, the folio and the local legal instant expected. The
-- wrong answers in the comments are what a year taken from elsewhere gives.
local rows = {
	-- Thursday 31 Dec 2026 12:00 local, a working day.
	{ clock = "2026-12-31T18:00:00Z", folio = "BZ-2026-00000001",
	  legal = "2026-12-31T12:00:00-06:00" },
	-- 2027 in UTC, still Thursday 31 Dec 2026 21:00 local (not BZ-2027).
	{ clock = "2027-01-01T03:00:00Z", folio = "BZ-2026-00000002",
	  legal = "2026-12-31T21:00:00-06:00" },
	-- 1 Jan 2027 01:00 local, a rest day: Monday 4 Jan, the first of 2027.
	{ clock = "2027-01-01T07:00:00Z", folio = "BZ-2027-00000001",
	  legal = "2027-01-04T00:00:00-06:00" },
	-- Saturday 30 Dec 2028 local: legally received Tuesday 2 Jan 2029
	-- (1 Jan is a rest day), so a 2029 folio (not BZ-2028).
	{ clock = "2028-12-30T18:00:00Z", folio = "BZ-2029-00000001",
	  legal = "2029-01-02T00:00:00-06:00" },
	-- Friday 29 Dec 2028, a working day: the first folio of 2028, after one
	-- of 2029 was issued (each year counts on its own).
	{ clock = "2028-12-29T18:00:00Z", folio = "BZ-2028-00000001",
	  legal = "2028-12-29T12:00:00-06:00" },
	-- Back in 2026 (a clock stepped back): the 2026 counter goes on.
	{ clock = "2026-06-01T12:00:00Z", folio = "BZ-2026-00000003",
	  legal = "2026-06-01T06:00:00-06:00" },
	-- The first row's message again in 2029: a repeat, its original folio.
	{ clock = "2029-03-01T18:00:00Z", folio = "BZ-2026-00000001",
	  legal = "2026-12-31T12:00:00-06:00", again = 1 },
}

-- wait_line - a log line holding a, then b later on the same line
local function wait_line(a, b, what)
	for _ = 1, bz.tries(200) do
		for line in string.gmatch(bz.log_text(), "[^\n]+") do
			local s, e = string.find(line, a, 1, true)
			if s and string.find(line, b, e + 1, true) then
				return
			end
		end
		mt.sleep(0.05)
	end
	error("timed out waiting for the log line: " .. what, 2)
end

bz.run("folio year = year of the local legal instant", function()
	local base = bz.read_conf()
	local files = {}
	for i, r in ipairs(rows) do
		local conf, n = string.gsub(base, "TestClock [^\n]*", "TestClock " .. r.clock)
		bz.check(n == 1, "TestClock line not found in the configuration")
		bz.write_conf(conf)
		bz.reload()
		bz.wait_log("generation " .. (i + 1), "reload for row " .. i)
		local file = r.again and files[r.again] or
		    bz.sign("anio-" .. i, "Promocion numero " .. i .. ".")
		files[i] = file
		local qid = "YEAR" .. i
		local conn = bz.open()
		bz.envelope(conn, qid, "<patron@example.com>", { "<" .. bz.mailbox .. ">" })
		bz.ok(mt.data(conn), "data")
		bz.send_file(conn, file)
		bz.ok(mt.eom(conn), "eom")
		bz.reply_is(conn, SMFIR_ACCEPT, qid .. " eom")
		bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio", " " .. r.folio),
		    qid .. " (" .. r.clock .. "): X-Buzon-Folio is not " .. r.folio)
		mt.disconnect(conn)
		-- The decision line names this folio and this legal instant.
		wait_line(qid .. ": accepted: folio " .. r.folio ..
		    (r.again and " (repeat)" or "") .. ", ", ", legal " .. r.legal .. " (",
		    qid .. " decision line with folio " .. r.folio .. " and legal " .. r.legal)
	end
	-- The store agrees: one record per distinct message, each folio once.
	local p = assert(io.popen("sqlite3 '" .. bz.db .. "' \"SELECT folio FROM submissions "
	    .. "ORDER BY id\" 2>&1"))
	local got = p:read("a")
	p:close()
	local want = ""
	for _, r in ipairs(rows) do
		if not r.again then
			want = want .. r.folio .. "\n"
		end
	end
	bz.check(got == want, "folios in the store:\n" .. got .. "expected:\n" .. want)
end)
