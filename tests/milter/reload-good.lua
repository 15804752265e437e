-- reload-good.lua - SIGUSR1 with a good new configuration
--
-- Rule (issue 2): SIGUSR1 reloads the configuration into a new generation
-- without dropping connections: new connections follow the new
-- MailboxAddress; a connection opened before the reload keeps the
-- generation it started with and keeps being served.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

-- message - one whole signed submission; returns the end-of-message reply
-- (for mail that is not ours: the accept at the end of its header)
local function message(conn, qid, rcpt)
	bz.envelope(conn, qid, "<patron@example.com>", { rcpt })
	bz.ok(mt.data(conn), "data")
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return mt.getreply(conn)
	end
	local hdrs, body = bz.read_message(bz.signed)
	for _, h in ipairs(hdrs) do
		bz.ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
	end
	bz.ok(mt.eoh(conn), "eoh")
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return mt.getreply(conn)
	end
	bz.ok(mt.bodystring(conn, body), "body")
	bz.ok(mt.eom(conn), "eom")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
	    qid .. ": no X-Buzon-Status")
	return mt.getreply(conn)
end

bz.run("SIGUSR1 with a good configuration", function()
	local old = bz.open()
	bz.check(message(old, "BEFORE1", "<nuevo@imss.example>") == SMFIR_ACCEPT
	    and bz.count_log("BEFORE1: not for the mailbox") == 1,
	    "nuevo@ is not ours before the reload")

	local conf = bz.read_conf()
	local new, n = string.gsub(conf, "MailboxAddress [^\n]*", "MailboxAddress nuevo@imss.example")
	bz.check(n == 1, "MailboxAddress line not found in the configuration")
	bz.write_conf(new)
	bz.reload()
	bz.wait_log("generation 2", "the reload")

	local conn = bz.open()
	bz.check(message(conn, "AFTER1", "<nuevo@imss.example>") == SMFIR_ACCEPT,
	    "new connection: nuevo@ not accepted")
	bz.wait_log("AFTER1: received for the mailbox", "nuevo@ is ours after the reload")
	bz.check(message(conn, "AFTER2", "<buzon@imss.example>") == SMFIR_ACCEPT,
	    "new connection: buzon@ not accepted")
	bz.wait_log("AFTER2: not for the mailbox", "buzon@ is no longer ours")
	mt.disconnect(conn)

	-- The connection from before the reload still works, with generation 1.
	bz.check(message(old, "OLDCONN1", "<buzon@imss.example>") == SMFIR_ACCEPT,
	    "old connection: message not accepted")
	bz.wait_log("OLDCONN1: received for the mailbox", "old connection served")
	bz.check(string.find(bz.log_text(),
	    "OLDCONN1: received for the mailbox, %d+ bytes, generation 1\n"),
	    "the old connection did not keep generation 1")
	mt.disconnect(old)
end)
