-- calendar-reload.lua - the daemon dates filings with the calendar in force
--
-- Rule (issue 4): "SIGUSR1 reloads the calendar with the configuration; a
-- broken file is refused and the old calendar stays"; every result carries
-- the rule that fired and the calendar version. Here through the daemon,
-- on what it records (issue 5: the legal instant, rule, calendar version,
-- LegalBasis and SubmissionFirstHour of each filing). The clock is pinned
-- on Thursday 2026-04-02 12:00 local (Holy Thursday: a working day by law,
-- a rest day only when the institution file declares it). Each row
-- rewrites the configuration, sends SIGUSR1 and files a new submission.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local dir = string.match(bz.conf, "^(.*)/[^/]*$")
local cal = dir .. "/calendario.conf"
local declared = 'format 1\n2026-04-02..2026-04-03  inhabil  "Jueves y Viernes Santo"'
    .. '  source="DOF 2026-01-20"\n'

-- sha256 - "sha256:<hex>" of a file's bytes
local function sha256(path)
	local p = assert(io.popen("sha256sum '" .. path .. "'"))
	local hex = string.match(p:read("a"), "^(%x+)")
	p:close()
	return "sha256:" .. hex
end

-- Rows: the calendar file's content (nil: no CalendarFile line), extra
-- configuration lines, whether the reload is refused, and what the filing
-- made after it records.
local rows = {
	{ file = nil, extra = "", legal = "2026-04-02T18:00:00Z",
	  rule = "submission.arrival", version = "sha256:none", basis = "lft", first = "00:00" },
	{ file = declared, extra = "", legal = "2026-04-06T06:00:00Z",
	  rule = "submission.next-working-day", basis = "lft", first = "00:00" },
	-- A broken file: refused, the calendar of the row before stays.
	{ file = declared .. "2026-04-3 inhabil \"x\" source=\"DOF\"\n", extra = "",
	  refused = "calendario.conf:3: ", legal = "2026-04-06T06:00:00Z",
	  rule = "submission.next-working-day", basis = "lft", first = "00:00", keep = true },
	{ file = declared, extra = "SubmissionFirstHour 09:30\n", legal = "2026-04-06T15:30:00Z",
	  rule = "submission.next-working-day", basis = "lft", first = "09:30" },
	-- The file removed from the configuration: the statutory calendar again.
	{ file = nil, extra = "LegalBasis lft+cff\n", legal = "2026-04-02T18:00:00Z",
	  rule = "submission.arrival", version = "sha256:none", basis = "lft+cff", first = "00:00" },
}

bz.run("SIGUSR1 changes the calendar the daemon dates filings with", function()
	local base = string.gsub(bz.read_conf(), "TestClock [^\n]*", "TestClock 2026-04-02T18:00:00Z")
	local reloads, version = 0, nil
	for i, r in ipairs(rows) do
		if r.file ~= nil then
			local f = assert(io.open(cal, "w"))
			f:write(r.file)
			f:close()
		end
		bz.write_conf(base .. (r.file and ("CalendarFile " .. cal .. "\n") or "") .. r.extra)
		local refusals = bz.count_log("reload refused")
		bz.reload()
		-- (events counted: a refused load uses up a generation number)
		if r.refused then
			for _ = 1, bz.tries(200) do
				if bz.count_log("reload refused") > refusals then
					break
				end
				mt.sleep(0.05)
			end
			bz.check(bz.count_log("reload refused, keeping generation ") == refusals + 1
			    and bz.count_log(": calendar: " .. cal .. ":3: ") == 1,
			    "row " .. i .. ": no refusal naming " .. cal .. ":3")
		else
			reloads = reloads + 1
			for _ = 1, bz.tries(200) do
				if bz.count_log("configuration reloaded from") >= reloads then
					break
				end
				mt.sleep(0.05)
			end
			bz.check(bz.count_log("configuration reloaded from") == reloads,
			    "row " .. i .. ": the reload did not happen")
		end
		if not r.keep then
			version = r.version or sha256(cal)
		end
		local qid = "CAL" .. i
		local folio = bz.submit(qid, bz.sign("cal-" .. i, "Promocion de calendario " .. i))
		local got = bz.sql("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', legal_utc, 'unixepoch') "
		    .. "|| ' ' || legal_rule || ' ' || calendar_version || ' ' || legal_basis "
		    .. "|| ' ' || first_hour FROM submissions WHERE folio = '" .. folio .. "'")
		local want = r.legal .. " " .. r.rule .. " " .. version .. " " .. r.basis .. " " .. r.first
		bz.check(got == want, qid .. " (" .. folio .. "): recorded '" .. got .. "', expected '"
		    .. want .. "'")
	end
end)
