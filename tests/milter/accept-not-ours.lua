-- accept-not-ours.lua - mail for other recipients: header read, body not
--
-- Rules: a message with no recipient that is a MailboxAddress (issue 2)
-- is not verified and its body is never read; but every incoming
-- X-Buzon-* header is removed from EVERY message (issue 8: an address the
-- MTA rewrites to the mailbox after the milter saw it, such as a virtual
-- alias, must not deliver a forged "X-Buzon-Status: accepted"). So its
-- header is read: without X-Buzon-* fields it is accepted at the end of
-- the header; with some, the body is skipped (SMFIR_SKIP) and they are
-- deleted at end of message. More than 100 of them are rejected, whoever
-- the message is for.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

-- header - send one header field, expect CONTINUE
local function header(conn, name, value, what)
	bz.ok(mt.header(conn, name, value), what .. " header " .. name)
	bz.reply_is(conn, SMFIR_CONTINUE, what .. " header " .. name)
end

bz.run("not for the mailbox, no X-Buzon-*: accept at the end of the header", function()
	local conn = bz.open()
	bz.envelope(conn, "NOTOURS1", "<sender@example.com>",
	    { "<someone@imss.example>", "<other@example.org>" })
	bz.ok(mt.data(conn), "data")
	bz.reply_is(conn, SMFIR_CONTINUE, "data")
	header(conn, "From", "sender@example.com", "NOTOURS1")
	header(conn, "X-Buzonero", "not ours (no dash)", "NOTOURS1")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_ACCEPT, "eoh")
	bz.wait_log("NOTOURS1: not for the mailbox: accepted", "accept log line")
	-- The next message on the same connection is handled afresh.
	bz.envelope(conn, "NOTOURS2", "<sender@example.com>",
	    { "<buzon@imss.example.org>" })	-- a longer address is not ours
	bz.ok(mt.data(conn), "data 2")
	bz.reply_is(conn, SMFIR_CONTINUE, "data 2")
	bz.ok(mt.eoh(conn), "eoh 2")
	bz.reply_is(conn, SMFIR_ACCEPT, "eoh 2")
	-- Mail that is not ours leaves no address in our log, even at debug.
	bz.check(not string.find(bz.log_text(), "someone@imss.example", 1, true),
	    "a recipient address of foreign mail was logged")
	mt.disconnect(conn)
end)

bz.run("not for the mailbox, forged X-Buzon-*: body skipped, deleted at eom", function()
	local conn = bz.open()
	bz.envelope(conn, "NOTOURS3", "<sender@example.com>", { "<alias@imss.example>" })
	bz.ok(mt.data(conn), "data")
	header(conn, "X-Buzon-Status", "accepted", "NOTOURS3")
	header(conn, "From", "sender@example.com", "NOTOURS3")
	header(conn, "x-buzon-status", "again", "NOTOURS3")
	header(conn, "X-BUZON-Folio", "BZ-2026-99999999", "NOTOURS3")
	header(conn, "X-Buzon", "not ours (no dash)", "NOTOURS3")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_CONTINUE, "eoh")
	bz.ok(mt.bodystring(conn, "Cuerpo que nadie lee.\r\n"), "body")
	bz.reply_is(conn, SMFIR_SKIP, "body")
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom")
	bz.check(mt.eom_check(conn, MT_HDRDELETE, "X-Buzon-Status"),
	    "X-Buzon-Status not deleted")
	bz.check(mt.eom_check(conn, MT_HDRDELETE, "X-BUZON-Folio"),
	    "X-BUZON-Folio not deleted")
	bz.check(not mt.eom_check(conn, MT_HDRDELETE, "X-Buzon"),
	    "X-Buzon deleted but it is not ours")
	bz.check(not mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status"),
	    "X-Buzon-Status added to mail that is not ours")
	bz.wait_log("NOTOURS3: removed 2 incoming X-Buzon-Status headers", "status removal")
	bz.wait_log("NOTOURS3: not for the mailbox: accepted", "accept log line")
	mt.disconnect(conn)
end)

bz.run("not for the mailbox, flood of X-Buzon-*: 550 BZ-MSG-FORGED-HEADERS", function()
	local conn = bz.open()
	bz.envelope(conn, "NOTOURS4", "<sender@example.com>", { "<otro@example.org>" })
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
	bz.wait_log("NOTOURS4: SMTP reply: 550 5.7.1 BZ-MSG-FORGED-HEADERS ", "the 550 reply")
	mt.disconnect(conn)
end)
