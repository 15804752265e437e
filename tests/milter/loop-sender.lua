-- loop-sender.lua - no acuse when the sender, as written or as the MTA
-- resolved it ({mail_addr}), is the mailbox or the null sender
--
-- Rule (issue 5, RFC 3834): never answer the null sender or the mailbox
-- itself. Postfix hands the milter MAIL FROM as the client wrote it, but
-- routes mail by the address it resolves (a bang path imss.example!buzon
-- or a source route <@relay:buzon@...> is buzon@imss.example): an acuse
-- to such a sender would be delivered to the mailbox. The daemon asks for
-- {mail_addr} at MAIL FROM and answers only when neither spelling names a
-- mailbox. Every message here is the same signed submission, so after the
-- first it is a repeat; the decision line still says whether the acuse
-- goes out ("acuse queued") or not ("acuse not sent (loop safety)"); no
-- repeat is rate limited here (RepeatResendInterval 0).
-- config: RepeatResendInterval 0
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local QUEUED = "acuse queued"
local WITHHELD = "acuse not sent (loop safety)"

--	qid	MAIL FROM as written		{mail_addr} (nil: not sent)	decision
local cases = {
	{ "LOOP0", "<patron@example.com>", "patron@example.com", QUEUED },
	{ "LOOP1", "<imss.example!buzon>", "buzon@imss.example", WITHHELD },
	{ "LOOP2", "<patron@example.com>", nil, QUEUED },
	{ "LOOP3", "<patron@example.com>", "BUZON@IMSS.EXAMPLE", WITHHELD },
	{ "LOOP4", "<@relay.example:buzon@imss.example>", nil, WITHHELD },
	{ "LOOP5", "<patron@example.com>", "", WITHHELD },
	{ "LOOP6", "<patron@example.com>", "<buzon@imss.example>", WITHHELD },
	{ "LOOP7", "<imss.example!patron>", "patron@imss.example", QUEUED },
	-- Issue 8: a RecipientDelimiter extension of the mailbox is the
	-- mailbox ("+" by default), as written or as resolved.
	{ "LOOP8", "<buzon+acuse@imss.example>", nil, WITHHELD },
	{ "LOOP9", "<patron@example.com>", "Buzon+x@imss.example", WITHHELD },
	{ "LOOP10", "<buzon-x@imss.example>", nil, QUEUED },
}

-- decision_line - the daemon's "accepted" line for qid, or nil
local function decision_line(qid)
	for line in string.gmatch(bz.log_text(), "[^\n]+") do
		if string.find(line, qid .. ": accepted: folio ", 1, true) then
			return line
		end
	end
	return nil
end

bz.run("sender resolved by the MTA: no acuse to the mailbox", function()
	local conn = bz.open()
	for _, c in ipairs(cases) do
		local qid, from, resolved, want = c[1], c[2], c[3], c[4]
		if resolved ~= nil then
			bz.ok(mt.macro(conn, SMFIC_MAIL, "i", qid, "{mail_addr}", resolved),
			    "macros")
		else
			bz.ok(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro i")
		end
		bz.ok(mt.mailfrom(conn, from), "mailfrom")
		bz.reply_is(conn, SMFIR_CONTINUE, qid .. " mailfrom")
		bz.ok(mt.rcptto(conn, "<buzon@imss.example>"), "rcptto")
		bz.reply_is(conn, SMFIR_CONTINUE, qid .. " rcptto")
		bz.ok(mt.data(conn), "data")
		bz.send_file(conn, bz.signed)
		bz.ok(mt.eom(conn), "eom")
		-- Filed and answered with our headers either way.
		bz.reply_is(conn, SMFIR_ACCEPT, qid .. " eom")
		bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio"),
		    qid .. ": no X-Buzon-Folio")
		bz.wait_log(qid .. ": accepted: folio BZ-2026-", qid .. " decision")
		local line = decision_line(qid)
		bz.check(line ~= nil and string.find(line, want, 1, true),
		    string.format("%s (from %s, {mail_addr} %s): want \"%s\" in: %s",
		    qid, from, tostring(resolved), want, tostring(line)))
	end
	mt.disconnect(conn)
end)
