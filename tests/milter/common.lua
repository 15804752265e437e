-- common.lua - helpers shared by the miltertest scripts of buzon-milter
--
-- Loaded with dofile() by each test; run-miltertest.sh exports:
--   BUZON_SOCKET  the daemon's socket ("unix:/tmp/.../milter.sock")
--   BUZON_CONF    its configuration file (a test may rewrite it)
--   BUZON_LOG     its stderr log (LogLevel debug)
--   BUZON_PID     its process id
--   BUZON_MAILBOX the MailboxAddress of the generated configuration
--   BUZON_SPOOL   its SpoolDirectory
--   BUZON_SIGNED  a submission signed with the test PKI's e.firma (CRLF)
--   BUZON_DB      its Database
-- Traps (../shared/TESTING.md): a bare error() exits 1 silently, so every
-- test runs through bz.run(); never os.exit() (it orphans the filter);
-- only the stages the filter negotiated may be sent (no HELO here).

bz = {}

bz.socket = os.getenv("BUZON_SOCKET")
bz.conf = os.getenv("BUZON_CONF")
bz.log = os.getenv("BUZON_LOG")
bz.pid = os.getenv("BUZON_PID")
bz.mailbox = os.getenv("BUZON_MAILBOX")
bz.spool = os.getenv("BUZON_SPOOL")
bz.signed = os.getenv("BUZON_SIGNED")
bz.db = os.getenv("BUZON_DB")
-- Every deadline is multiplied by BUZON_TEST_TIMEOUT_SCALE (an integer,
-- default 1), so slow sanitizer and valgrind runs wait longer, not flake.
bz.scale = math.max(1, math.tointeger(tonumber(os.getenv("BUZON_TEST_TIMEOUT_SCALE") or "1")) or 1)

-- bz.tries - a poll count for a deadline of n tries at normal speed
function bz.tries(n)
	return n * bz.scale
end
-- miltertest's wait for each reply (10 s by default), scaled the same way
mt.set_timeout(10 * bz.scale)

-- bz.run - run body, print FAIL with a traceback on any error
function bz.run(name, body)
	local ok, err = xpcall(body, debug.traceback)
	if not ok then
		mt.echo("FAIL: " .. name .. ": " .. tostring(err))
		error("test failed", 0)
	end
	mt.echo("PASS: " .. name)
end

-- bz.check - assert with a message
function bz.check(cond, what)
	if not cond then
		error(what, 2)
	end
end

-- bz.ok - a miltertest call must return nil
function bz.ok(ret, what)
	if ret ~= nil then
		error(what .. ": " .. tostring(ret), 2)
	end
end

-- bz.reply_is - the last reply from the filter
function bz.reply_is(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(string.format("%s: reply %s, expected %s", what,
		    tostring(got), tostring(want)), 2)
	end
end

-- bz.open - connect, negotiate with everything offered, send connect info
function bz.open()
	local conn = mt.connect(bz.socket, bz.tries(40), 0.25)
	bz.check(conn ~= nil, "cannot connect to " .. tostring(bz.socket))
	bz.ok(mt.negotiate(conn, nil, nil, nil), "negotiate")
	bz.ok(mt.conninfo(conn, "client.example", "127.0.0.1"), "conninfo")
	bz.reply_is(conn, SMFIR_CONTINUE, "connect")
	return conn
end

-- bz.envelope - MAIL FROM (with queue id) and the recipients
function bz.envelope(conn, qid, from, rcpts)
	bz.ok(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro i")
	bz.ok(mt.mailfrom(conn, from), "mailfrom")
	bz.reply_is(conn, SMFIR_CONTINUE, "mailfrom")
	for _, r in ipairs(rcpts) do
		bz.ok(mt.rcptto(conn, r), "rcptto " .. r)
		bz.reply_is(conn, SMFIR_CONTINUE, "rcptto " .. r)
	end
end

-- bz.log_text - the daemon's log so far
function bz.log_text()
	local f = io.open(bz.log, "r")
	if f == nil then
		return ""
	end
	local t = f:read("a")
	f:close()
	return t
end

-- bz.wait_log - wait until the daemon logs text (an event, not a delay)
function bz.wait_log(text, what)
	for _ = 1, bz.tries(200) do
		if string.find(bz.log_text(), text, 1, true) then
			return
		end
		mt.sleep(0.05)
	end
	error("timed out waiting for the log line: " .. what, 2)
end

-- bz.count_log - occurrences of text in the log
function bz.count_log(text)
	local n, pos, t = 0, 1, bz.log_text()
	while true do
		local s, e = string.find(t, text, pos, true)
		if s == nil then
			return n
		end
		n = n + 1
		pos = e + 1
	end
end

-- bz.write_conf - replace the daemon's configuration file
function bz.write_conf(text)
	local f = assert(io.open(bz.conf, "w"))
	f:write(text)
	f:close()
end

-- bz.read_conf - the daemon's configuration file
function bz.read_conf()
	local f = assert(io.open(bz.conf, "r"))
	local t = f:read("a")
	f:close()
	return t
end

-- bz.reload - SIGUSR1 to the daemon
function bz.reload()
	bz.check(os.execute("kill -USR1 " .. bz.pid), "kill -USR1 failed")
end

-- bz.spool_empty - no file left in SpoolDirectory (temp files are unlinked)
function bz.spool_empty()
	local p = assert(io.popen("ls -A '" .. bz.spool .. "'"))
	local t = p:read("a")
	p:close()
	return t == "", t
end

-- bz.read_message - a message file (CRLF, no folded header) as a list
-- of {name, value} header fields and the body
function bz.read_message(path)
	local f = assert(io.open(path, "rb"))
	local t = f:read("a")
	f:close()
	local s, e = string.find(t, "\r\n\r\n", 1, true)
	bz.check(s ~= nil, path .. ": no end of header")
	local hdrs = {}
	for line in string.gmatch(string.sub(t, 1, s + 1), "(.-)\r\n") do
		local name, value = string.match(line, "^([^:]+): ?(.*)$")
		bz.check(name ~= nil, path .. ": bad header line " .. line)
		hdrs[#hdrs + 1] = { name, value }
	end
	return hdrs, string.sub(t, e + 1)
end

-- bz.send_file - send a message file's header fields (after `extra`, a
-- list of {name, value}), end of header and body; the caller sends eom.
-- Values go without the space after the colon (miltertest restores it
-- under HDR_LEADSPC, as an MTA does).
function bz.send_file(conn, path, extra)
	local hdrs, body = bz.read_message(path)
	for _, h in ipairs(extra or {}) do
		bz.ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
	end
	for _, h in ipairs(hdrs) do
		bz.ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
	end
	bz.ok(mt.eoh(conn), "eoh")
	bz.ok(mt.bodystring(conn, body), "body")
end

-- bz.spool_temp_empty - no spool temporary file left (the content-
-- addressed copies of accepted messages, ab/cdef..., are kept on purpose)
function bz.spool_temp_empty()
	local p = assert(io.popen("find '" .. bz.spool .. "' -type f ! -path '*/[0-9a-f][0-9a-f]/*'"))
	local t = p:read("a")
	p:close()
	return t == "", t
end

-- bz.sign - a new submission (CRLF) whose signed entity says `text`,
-- signed with the test PKI's e.firma like BUZON_SIGNED, in the daemon's
-- directory as NAME.eml; returns its path. A different text is a different
-- filing (the same text again would be a repeat).
function bz.sign(name, text)
	local dir = string.match(bz.conf, "^(.*)/[^/]*$")
	local pki = os.getenv("top_builddir") .. "/tests/pki/generated"
	local openssl = os.getenv("OPENSSL") or ""
	if openssl == "" then
		openssl = "openssl"
	end
	local entity = dir .. "/" .. name .. ".txt"
	local out = dir .. "/" .. name .. ".eml"
	local f = assert(io.open(entity, "w"))
	f:write("Content-Type: text/plain; charset=utf-8\n\n" .. text .. "\n")
	f:close()
	bz.check(os.execute(string.format("{ printf 'From: Patron Prueba <patron@example.com>\\n"
	    .. "To: <%s>\\nSubject: %s\\nMessage-ID: <%s@example.com>\\n'; "
	    .. "'%s' cms -sign -in '%s' -md sha256 -signer '%s/efirma-fisica.crt' "
	    .. "-inkey '%s/efirma-fisica.key'; } | tr -d '\\r' | sed -e 's/$/\\r/' >'%s'",
	    bz.mailbox, name, name, openssl, entity, pki, pki, out)),
	    "openssl cms -sign failed for " .. name)
	return out
end

-- bz.submit - one submission from patron@example.com on a new connection;
-- it must be accepted with a folio, which is returned
function bz.submit(qid, file)
	local conn = bz.open()
	bz.envelope(conn, qid, "<patron@example.com>", { "<" .. bz.mailbox .. ">" })
	bz.ok(mt.data(conn), "data")
	bz.send_file(conn, file)
	bz.ok(mt.eom(conn), qid .. " eom")
	bz.reply_is(conn, SMFIR_ACCEPT, qid .. " eom")
	bz.check(mt.eom_check(conn, MT_HDRADD, "X-Buzon-Status", " accepted"),
	    qid .. ": not accepted")
	mt.disconnect(conn)
	bz.wait_log(qid .. ": accepted: folio ", qid .. " decision line")
	local folio = string.match(bz.log_text(), qid .. ": accepted: folio (BZ%-%d+%-%d+)")
	bz.check(folio ~= nil, qid .. ": no folio in the decision line")
	return folio
end

-- bz.sql - one value from the daemon's database (sqlite3 shell)
function bz.sql(query)
	local p = assert(io.popen("sqlite3 '" .. bz.db .. "' \"" .. query .. "\" 2>&1"))
	local t = p:read("a")
	p:close()
	return (string.gsub(t, "\n$", ""))
end
