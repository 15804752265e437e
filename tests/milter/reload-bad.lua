-- reload-bad.lua - SIGUSR1 with a broken configuration keeps the old one
--
-- Rule (issue 2): a bad new configuration (an integer outside its range
-- included) is refused with a log line naming file:line: key: reason, and
-- the running generation stays in force.
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("SIGUSR1 with a broken configuration", function()
	local good = bz.read_conf()
	local _, lines = string.gsub(good, "\n", "\n")
	-- The new key is on the line after the last one.
	bz.write_conf(good .. "MailboxAddress nuevo@imss.example\nTestMode perhaps\n")
	bz.reload()
	bz.wait_log("reload refused, keeping generation 1: " .. bz.conf .. ":" ..
	    (lines + 2) .. ": TestMode: ", "the refusal with file:line: key")

	local conn = bz.open()
	bz.envelope(conn, "KEPT1", "<patron@example.com>", { "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	-- Ours reads on past the header; other mail without X-Buzon-*
	-- fields is accepted at its end (issue 8).
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_CONTINUE, "buzon@ still ours")
	bz.ok(mt.abort(conn), "abort")
	bz.envelope(conn, "KEPT2", "<patron@example.com>", { "<nuevo@imss.example>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_ACCEPT, "nuevo@ from the broken file not in force")
	mt.disconnect(conn)

	-- A later good reload still works: the reload thread survived.
	bz.write_conf(good)
	bz.reload()
	bz.wait_log("generation 2", "the good reload after the bad one")
end)

bz.run("SIGUSR1 with an integer out of range", function()
	local good = bz.read_conf()
	local _, lines = string.gsub(good, "\n", "\n")
	-- Past 2^64: it must not wrap into a small timeout.
	bz.write_conf(good .. "OCSPTimeout 99999999999999999999\n")
	bz.reload()
	bz.wait_log("reload refused, keeping generation 2: " .. bz.conf .. ":" ..
	    (lines + 1) .. ": OCSPTimeout: out of range: must be 1 to 300",
	    "the refusal names the key and its range")
	bz.write_conf(good)
end)
