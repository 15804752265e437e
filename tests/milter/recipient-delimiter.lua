-- recipient-delimiter.lua - local+anything@domain of the mailbox is ours
--
-- Rule (issue 8): with RecipientDelimiter "+" (the default, as Postfix's
-- recipient_delimiter = +), buzon+cualquier@ is delivered to the mailbox,
-- so it is verified like the mailbox: an unsigned message is rejected and
-- a signed one is filed, with our headers. With the key empty the
-- extension is an ordinary other address (next daemon configuration is
-- not needed: "-" is not a delimiter by default).
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local user, domain = string.match(bz.mailbox, "^(.*)@(.*)$")

bz.run("unsigned mail for mailbox+ext: rejected", function()
	local conn = bz.open()
	bz.envelope(conn, "DELIM1", "<patron@example.com>",
	    { "<" .. user .. "+cualquier@" .. domain .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.header(conn, "X-Buzon-Status", "accepted"), "forged header")
	bz.ok(mt.eoh(conn), "eoh")
	bz.ok(mt.bodystring(conn, "sin firma\r\n"), "body")
	bz.reply_is(conn, SMFIR_CONTINUE, "body (read, not skipped)")
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_REPLYCODE, "eom")
	bz.wait_log("DELIM1: SMTP reply: 550 5.7.", "the 550 reply")
	mt.disconnect(conn)
end)

bz.run("signed mail for MAILBOX+ext: filed", function()
	local conn = bz.open()
	bz.envelope(conn, "DELIM2", "<patron@example.com>",
	    { "<" .. string.upper(user) .. "+acuse@" .. domain .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.send_file(conn, bz.signed)
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
	    "X-Buzon-Status: accepted not added")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio"), "no X-Buzon-Folio")
	bz.wait_log("DELIM2: accepted: folio BZ-2026-", "decision line")
	mt.disconnect(conn)
end)

bz.run("another delimiter character is another address", function()
	local conn = bz.open()
	bz.envelope(conn, "DELIM3", "<patron@example.com>",
	    { "<" .. user .. "-otro@" .. domain .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_ACCEPT, "eoh")
	bz.wait_log("DELIM3: not for the mailbox: accepted", "accept log line")
	mt.disconnect(conn)
end)
