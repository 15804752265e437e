-- durable-submission.lua - one signed submission, accepted (see spool-durable.sh)
--
-- On its own (and under valgrind.sh) an ordinary acceptance test: the
-- submission is accepted with a folio and its content-addressed copy is
-- in SpoolDirectory/ab/cdef...; that copy, the database and its WAL are
-- 0600 and owned by the serving user. spool-durable.sh runs it with the daemon
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
	-- Personal data at rest: the database, its WAL and the copy are 0600
	-- and belong to the serving user (nobody when started as root), although
	-- the configuration's UMask is 000.
	local who = io.popen("id -u"):read("l") == "0" and "nobody" or io.popen("id -un"):read("l")
	p = assert(io.popen("stat -c '%a %U %n' '" .. bz.db .. "' '" .. bz.db .. "-wal' "
	    .. "$(find '" .. bz.spool .. "' -type f -path '*/[0-9a-f][0-9a-f]/*')"))
	local lines = 0
	for line in p:lines() do
		lines = lines + 1
		bz.check(string.sub(line, 1, #("600 " .. who .. " ")) == "600 " .. who .. " ",
		    "not 0600 and owned by " .. who .. ": " .. line)
	end
	p:close()
	bz.check(lines == 3, "expected the database, its WAL and one copy, stat gave " .. lines)
end)
