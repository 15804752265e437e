-- abandoned.lua - connections that end early leave nothing behind
--
-- Rule (issue 2): never crash, never leak. A connection closed right after
-- option negotiation, and one dropped in the middle of a message that had
-- already moved to a temporary file, release everything: the spool
-- directory stays empty, the message no longer counts as in flight (so a
-- stop does not wait for it), and the daemon keeps serving. Under
-- tests/milter/valgrind.sh this case also proves there is no leak.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("connections ending early", function()
	local conn = mt.connect(bz.socket, bz.tries(40), 0.25)
	bz.check(conn ~= nil, "cannot connect")
	bz.ok(mt.negotiate(conn, nil, nil, nil), "negotiate")
	mt.disconnect(conn)

	conn = bz.open()
	bz.envelope(conn, "DROPPED1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	-- 4 KB: past SpoolMemoryLimit (1K), so a temporary file exists now.
	bz.ok(mt.bodystring(conn, string.rep("y", 4094) .. "\r\n"), "body")
	bz.reply_is(conn, SMFIR_CONTINUE, "body")
	mt.disconnect(conn, false)	-- abrupt: no QUIT, no ABORT

	-- Still serving.
	conn = bz.open()
	bz.envelope(conn, "AFTER1", "<patron@example.com>", { "<otro@example.org>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_ACCEPT, "a new message after the drop")
	mt.disconnect(conn)

	local empty, left = bz.spool_empty()
	bz.check(empty, "files left in SpoolDirectory: " .. left)

	-- Nothing in flight: the stop is immediate, without the timeout warning.
	bz.check(os.execute("kill -TERM " .. bz.pid), "kill -TERM failed")
	bz.wait_log("stopped", "the stop")
	bz.check(not string.find(bz.log_text(), "still in flight", 1, true),
	    "a dropped message was still counted as in flight")
end)
