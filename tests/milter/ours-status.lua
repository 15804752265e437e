-- ours-status.lua - mail for the mailbox is read whole and decided
--
-- Rule (issue 2): a message with a recipient equal to a MailboxAddress
-- (exact address, case-insensitive, with or without <>) is read whole
-- (logged "received for the mailbox, N bytes") and decided at end of
-- message. Issues 3/5: unsigned -> 550 BZ-MSG-UNSIGNED; signed with an
-- e.firma -> accepted with "X-Buzon-Status: accepted" and a folio.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local cases = {
	{ qid = "OURS1", rcpts = { "<buzon@imss.example>" } },
	{ qid = "OURS2", rcpts = { "<other@example.org>", "<BUZON@IMSS.Example>" } },
	{ qid = "OURS3", rcpts = { "buzon@imss.example" } },
}

bz.run("for the mailbox: X-Buzon-Status added", function()
	local conn = bz.open()
	bz.check(mt.test_action(conn, SMFIF_ADDHDRS), "ADDHDRS not requested")
	bz.check(mt.test_action(conn, SMFIF_CHGHDRS), "CHGHDRS not requested")
	bz.check(not mt.test_action(conn, SMFIF_CHGBODY), "CHGBODY requested")
	-- issue 10: a reply to a notification also goes to its department
	bz.check(mt.test_action(conn, SMFIF_ADDRCPT), "ADDRCPT not requested")
	bz.check(not mt.test_action(conn, SMFIF_DELRCPT), "DELRCPT requested")
	bz.check(not mt.test_action(conn, SMFIF_QUARANTINE), "QUARANTINE requested")
	bz.check(mt.test_option(conn, SMFIP_HDR_LEADSPC), "HDR_LEADSPC not requested")
	bz.check(mt.test_option(conn, SMFIP_NOHELO), "HELO not negotiated away")
	for _, c in ipairs(cases) do
		bz.envelope(conn, c.qid, "<patron@example.com>", c.rcpts)
		bz.ok(mt.data(conn), "data")
		bz.reply_is(conn, SMFIR_CONTINUE, c.qid .. " data")
		bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
		bz.ok(mt.header(conn, "Subject", "Promocion\n\tfolded"), "header")
		bz.reply_is(conn, SMFIR_CONTINUE, c.qid .. " header")
		bz.ok(mt.eoh(conn), "eoh")
		bz.ok(mt.bodystring(conn, "Hola.\r\n"), "body")
		bz.reply_is(conn, SMFIR_CONTINUE, c.qid .. " body")
		bz.ok(mt.eom(conn), "eom")
		bz.reply_is(conn, SMFIR_REPLYCODE, c.qid .. " eom (unsigned)")
		bz.wait_log(c.qid .. ": received for the mailbox", c.qid .. " log")
		bz.wait_log(c.qid .. ": SMTP reply: 550 5.7.1 BZ-MSG-UNSIGNED ",
		    c.qid .. " unsigned rejected")
		-- The same recipients with a signed submission: accepted.
		bz.envelope(conn, c.qid .. "S", "<patron@example.com>", c.rcpts)
		bz.ok(mt.data(conn), "data")
		bz.send_file(conn, bz.signed)
		bz.ok(mt.eom(conn), "eom")
		bz.reply_is(conn, SMFIR_ACCEPT, c.qid .. "S eom")
		-- HDR_LEADSPC is negotiated: the MTA writes the value verbatim
		-- after the colon, so ours carries the usual space itself.
		bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
		    c.qid .. "S: X-Buzon-Status: accepted not added")
		bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio"),
		    c.qid .. "S: no X-Buzon-Folio")
		bz.check(not mt.eom_check(conn, MT_HDRDELETE),
		    c.qid .. "S: a header was deleted from a clean message")
		bz.wait_log(c.qid .. "S: accepted: folio BZ-2026-", c.qid .. "S log")
	end
	mt.disconnect(conn)
end)

bz.run("MTA without HDR_LEADSPC: same message, header without own space", function()
	local conn = mt.connect(bz.socket, bz.tries(40), 0.25)
	bz.check(conn ~= nil, "cannot connect")
	-- Protocol 6, every action, every step flag below HDR_LEADSPC but not
	-- HDR_LEADSPC itself (miltertest uses its defaults for all three
	-- unless all three are given).
	bz.ok(mt.negotiate(conn, 6, 0x1FF, 0xFFFFF), "negotiate")
	bz.check(not mt.test_option(conn, SMFIP_HDR_LEADSPC), "HDR_LEADSPC requested though not offered")
	bz.ok(mt.conninfo(conn, "client.example", "127.0.0.1"), "conninfo")
	bz.envelope(conn, "NOLEAD1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	-- Values as any MTA sends them; miltertest, like an MTA, puts the
	-- space after the colon back in front of them only under HDR_LEADSPC.
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.header(conn, "Subject", "Promocion\n\tfolded"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	bz.ok(mt.bodystring(conn, "Hola.\r\n"), "body")
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_REPLYCODE, "eom (unsigned)")
	bz.envelope(conn, "NOLEAD2", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.send_file(conn, bz.signed)
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom (signed)")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", "accepted"),
	    "X-Buzon-Status: accepted not added (without own space)")
	-- The spool rebuilt the same 64 bytes as with HDR_LEADSPC above:
	-- "From: patron@example.com\r\nSubject: Promocion\r\n\tfolded\r\n\r\nHola.\r\n"
	bz.wait_log("NOLEAD1: received for the mailbox, 64 bytes", "same wire form")
	bz.wait_log("OURS1: received for the mailbox, 64 bytes", "same wire form")
	mt.disconnect(conn)
end)
