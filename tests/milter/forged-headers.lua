-- forged-headers.lua - every incoming X-Buzon-* header is removed
--
-- Rule (issue 2): a sender must never be able to forge our headers: at end
-- of message every incoming X-Buzon-* header, whatever its case and however
-- many times it appears, is deleted, and only then ours is added.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("forged X-Buzon-* headers removed", function()
	local conn = bz.open()
	bz.envelope(conn, "FORGED1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	local hdrs = {
		{ "X-Buzon-Status", "accepted" },
		{ "x-buzon-status", "forged twice" },
		{ "X-BUZON-Folio", "IMSS-0001" },
		{ "X-Buzonx", "not ours (no dash)" },
		{ "X-Buzon-Status", "third" },
	}
	-- the forged fields first, then a genuine signed submission (so
	-- that it is accepted and gets our headers)
	bz.send_file(conn, bz.signed, hdrs)
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom")
	bz.check(mt.eom_check(conn, MT_HDRDELETE, "X-Buzon-Status"),
	    "X-Buzon-Status not deleted")
	bz.check(mt.eom_check(conn, MT_HDRDELETE, "X-BUZON-Folio"),
	    "X-BUZON-Folio not deleted")
	bz.check(not mt.eom_check(conn, MT_HDRDELETE, "X-Buzonx"),
	    "X-Buzonx deleted but it is not ours")
	bz.check(not mt.eom_check(conn, MT_HDRDELETE, "From"), "From deleted")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
	    "X-Buzon-Status: accepted not added")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio"), "X-Buzon-Folio not added")
	-- Three instances of X-Buzon-Status (two spellings), one of the folio.
	bz.wait_log("FORGED1: removed 3 incoming X-Buzon-Status headers", "status removal")
	bz.wait_log("FORGED1: removed 1 incoming X-BUZON-Folio header", "folio removal")
	mt.disconnect(conn)
end)

-- More than 100 incoming X-Buzon-* headers (whatever the names) are a
-- forgery attempt, not mail: rejected at the 101st, before the cost of
-- looking each name up and deleting each at the MTA.
bz.run("flood of X-Buzon-* headers: 550 BZ-MSG-FORGED-HEADERS", function()
	local conn = bz.open()
	bz.envelope(conn, "FLOOD1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	local got
	for i = 1, 101 do
		bz.ok(mt.header(conn, "X-Buzon-F" .. i, "forged"), "header " .. i)
		got = mt.getreply(conn)
		if i <= 100 then
			bz.check(got == SMFIR_CONTINUE, "header " .. i .. ": got " .. tostring(got))
		end
	end
	bz.check(got == SMFIR_REPLYCODE, "header 101: expected a reply code, got " ..
	    tostring(got))
	bz.wait_log("FLOOD1: SMTP reply: 550 5.7.1 BZ-MSG-FORGED-HEADERS ", "the 550 reply")
	mt.disconnect(conn)
end)
