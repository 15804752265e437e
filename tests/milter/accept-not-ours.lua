-- accept-not-ours.lua - mail for other recipients is accepted before DATA
--
-- Rule (issue 2): a message with no recipient equal to a MailboxAddress is
-- accepted at once and its body is never read.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("not for the mailbox: accept at DATA", function()
	local conn = bz.open()
	bz.envelope(conn, "NOTOURS1", "<sender@example.com>",
	    { "<someone@imss.example>", "<other@example.org>" })
	bz.ok(mt.data(conn), "data")
	bz.reply_is(conn, SMFIR_ACCEPT, "data")
	bz.wait_log("NOTOURS1: not for the mailbox: accepted", "accept log line")
	-- The next message on the same connection is handled afresh.
	bz.envelope(conn, "NOTOURS2", "<sender@example.com>",
	    { "<buzon@imss.example.org>" })	-- a longer address is not ours
	bz.ok(mt.data(conn), "data 2")
	bz.reply_is(conn, SMFIR_ACCEPT, "data 2")
	-- Mail that is not ours leaves no address in our log, even at debug.
	bz.check(not string.find(bz.log_text(), "someone@imss.example", 1, true),
	    "a recipient address of foreign mail was logged")
	mt.disconnect(conn)
end)
