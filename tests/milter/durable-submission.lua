-- durable-submission.lua - one signed submission, accepted (see spool-durable.sh)
--
-- On its own (and under valgrind.sh) an ordinary acceptance test: the
-- submission is accepted with a folio and its content-addressed copy is
-- in SpoolDirectory/ab/cdef... . spool-durable.sh runs it with the daemon
-- under strace and checks the order of the system calls in between.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("a signed submission is accepted and kept in the spool", function()
	local conn = bz.open()
	bz.envelope(conn, "DURABLE1", "<patron@example.com>", { "<" .. bz.mailbox .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.send_file(conn, bz.signed)
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Folio", " BZ-2026-00000001"),
	    "no X-Buzon-Folio BZ-2026-00000001")
	mt.disconnect(conn)
	bz.wait_log("DURABLE1: accepted: folio BZ-2026-00000001", "the decision line")
	local p = assert(io.popen("find '" .. bz.spool .. "' -type f -path '*/[0-9a-f][0-9a-f]/*' | wc -l"))
	local n = tonumber(p:read("a"))
	p:close()
	bz.check(n == 1, "expected one content-addressed copy in the spool, found " .. tostring(n))
end)
