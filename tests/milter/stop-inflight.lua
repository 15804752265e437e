-- stop-inflight.lua - SIGTERM lets a message in flight finish
--
-- Rule (issue 2): SIGTERM/SIGINT stop cleanly: a message already being
-- received is completed and answered; new connections meanwhile are
-- deferred (451 4.3.2 BZ-STOPPING); the daemon then exits 0.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("SIGTERM with a message in flight", function()
	local conn = bz.open()
	bz.envelope(conn, "INFLIGHT1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	-- a signed submission, cut after its header fields
	local hdrs, body = bz.read_message(bz.signed)
	for _, h in ipairs(hdrs) do
		bz.ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
		bz.reply_is(conn, SMFIR_CONTINUE, "header " .. h[1])
	end

	bz.check(os.execute("kill -TERM " .. bz.pid), "kill -TERM failed")
	bz.wait_log("stopping: new mail is deferred", "the stop")
	-- A new connection is deferred, not served, while draining.
	local late = mt.connect(bz.socket, 1, 0.1)
	bz.check(late ~= nil, "the socket closed before the message finished")
	bz.ok(mt.negotiate(late, nil, nil, nil), "negotiate late")
	bz.ok(mt.conninfo(late, "late.example", "127.0.0.1"), "conninfo late")
	bz.reply_is(late, SMFIR_REPLYCODE, "a connection during the drain")
	bz.wait_log("NOQUEUE: SMTP reply: 451 4.3.2 BZ-STOPPING ", "the 451 for it")
	mt.disconnect(late)

	bz.ok(mt.eoh(conn), "eoh")
	bz.ok(mt.bodystring(conn, body), "body")
	bz.reply_is(conn, SMFIR_CONTINUE, "body after SIGTERM")
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom after SIGTERM")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
	    "X-Buzon-Status not added after SIGTERM")
	-- recorded with its folio before the daemon stopped
	bz.wait_log("INFLIGHT1: accepted: folio BZ-2026-", "the record")
	bz.wait_log("INFLIGHT1: received for the mailbox", "the message finished")
	mt.disconnect(conn)
	bz.wait_log("stopped", "the daemon stopped once idle")
	-- run-miltertest.sh then checks that the daemon exited 0.
end)
