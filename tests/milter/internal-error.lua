-- internal-error.lua - an environment failure tempfails, never accepts
--
-- Rule (issue 2): internal errors tempfail with 451 4.3.0 and the coded
-- reason BZ-INTERNAL; a message of ours is never accepted without our
-- processing, and the daemon goes on serving. Here the spool cannot
-- create its temporary file (SpoolDirectory does not exist), which the
-- daemon also announced at start-up.
-- config: SpoolDirectory /nonexistent/buzon-milter-spool
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("spool failure: 451 4.3.0 BZ-INTERNAL", function()
	bz.wait_log("SpoolDirectory /nonexistent/buzon-milter-spool: No such file",
	    "the start-up warning")
	local conn = bz.open()
	bz.envelope(conn, "NOSPOOL1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	-- Past SpoolMemoryLimit (1K): the spool needs its temporary file now.
	bz.ok(mt.bodystring(conn, string.rep("z", 2046) .. "\r\n"), "body")
	bz.reply_is(conn, SMFIR_REPLYCODE, "body when the spool fails")
	bz.wait_log("NOSPOOL1: SMTP reply: 451 4.3.0 BZ-INTERNAL ", "the 451 reply")
	bz.wait_log("NOSPOOL1: internal error: spool /nonexistent/buzon-milter-spool: "
	    .. "cannot create temporary file", "the reason in the log")

	-- A small message still fits in memory and is served (decided).
	bz.envelope(conn, "SMALL2", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.header(conn, "From", "patron@example.com"), "header")
	bz.ok(mt.eoh(conn), "eoh")
	bz.ok(mt.bodystring(conn, "Hola.\r\n"), "body")
	bz.ok(mt.eom(conn), "eom")
	-- decided (unsigned: 550): the daemon goes on serving
	bz.reply_is(conn, SMFIR_REPLYCODE, "a small message afterwards")
	bz.wait_log("SMALL2: SMTP reply: 550 5.7.1 BZ-MSG-UNSIGNED ", "small decided")
	mt.disconnect(conn)
end)
