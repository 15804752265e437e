-- too-large.lua - a message over MaxMessageSize is rejected with 552
--
-- Rule (issue 2): over MaxMessageSize the message is rejected with
-- 552 5.3.4 and the coded reason BZ-MSG-TOO-LARGE, as soon as the limit is
-- crossed (the rest of the body is not stored). The spool moved to a file
-- on the way (SpoolMemoryLimit 1K) and left nothing behind.
-- config: MaxMessageSize 8K
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("oversized message: 552 5.3.4 BZ-MSG-TOO-LARGE", function()
	local conn = bz.open()
	bz.envelope(conn, "BIG1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	local line = string.rep("x", 998) .. "\r\n"	-- 1000 bytes
	local got
	for i = 1, 20 do
		bz.ok(mt.bodystring(conn, line), "body chunk " .. i)
		got = mt.getreply(conn)
		if got ~= SMFIR_CONTINUE then
			break
		end
	end
	bz.check(got == SMFIR_REPLYCODE, "expected a reply code, got " .. tostring(got))
	-- miltertest records reply texts only at end of message: the daemon
	-- logs the exact reply it set (the real-Postfix test sees it on the wire).
	bz.wait_log("BIG1: SMTP reply: 552 5.3.4 BZ-MSG-TOO-LARGE ", "the 552 reply")
	bz.wait_log("BIG1: BZ-MSG-TOO-LARGE", "reason in the log")
	-- A message that fits, on the same connection, is read and decided.
	bz.envelope(conn, "SMALL1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	for i = 1, 3 do
		bz.ok(mt.bodystring(conn, line), "body chunk " .. i)
		bz.reply_is(conn, SMFIR_CONTINUE, "small body " .. i)
	end
	bz.ok(mt.eom(conn), "eom")
	-- read whole and decided (unsigned: 550), not cut off at 552
	bz.reply_is(conn, SMFIR_REPLYCODE, "small eom")
	bz.wait_log("SMALL1: SMTP reply: 550 5.7.1 BZ-MSG-UNSIGNED ", "small decided")
	local empty, left = bz.spool_empty()
	bz.check(empty, "files left in SpoolDirectory: " .. left)
	mt.disconnect(conn)
end)
