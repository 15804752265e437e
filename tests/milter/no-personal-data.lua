-- no-personal-data.lua - no address in the log at the default level
--
-- Rule (issue 2, IMSS guidelines): every log line about a message starts
-- with the MTA queue id, and no address (nor RFC or CURP) appears in the log
-- unless LogLevel is debug; also not once a signed submission has been
-- recorded and its acuse handed to the outbox.
-- config: LogLevel info
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

bz.run("LogLevel info: queue ids, no addresses", function()
	local conn = bz.open()
	bz.envelope(conn, "PRIV1", "<patron@example.com>",
	    { "<otra.persona@example.org>", "<buzon@imss.example>" })
	bz.ok(mt.data(conn), "data")
	-- a signed submission: accepted, recorded, acuse queued and sent
	bz.send_file(conn, bz.signed)
	bz.ok(mt.eom(conn), "eom")
	bz.reply_is(conn, SMFIR_ACCEPT, "eom")
	bz.envelope(conn, "PRIV2", "<patron@example.com>", { "<otra.persona@example.org>" })
	bz.ok(mt.data(conn), "data")
	bz.ok(mt.eoh(conn), "eoh")
	bz.reply_is(conn, SMFIR_ACCEPT, "foreign mail")
	mt.disconnect(conn)
	bz.wait_log("PRIV1: received for the mailbox", "the message line")
	bz.wait_log("PRIV1: accepted: folio ", "the decision line")
	bz.wait_log("PRIV2: not for the mailbox", "the foreign message line")
	local log = bz.log_text()
	-- nor the signer's RFC, CURP or name (the signed submission)
	for _, addr in ipairs({ "patron@example.com", "otra.persona@example.org",
	    "buzon@imss.example>", "PEGJ800101AB3", "PEGJ800101HDFRRN09",
	    "JUAN PEREZ" }) do
		bz.check(not string.find(log, addr, 1, true), "address in the log: " .. addr)
	end
	-- Every line mentioning PRIV starts with the queue id after the tag.
	for line in string.gmatch(log, "[^\n]+") do
		if string.find(line, "PRIV", 1, true) then
			bz.check(string.find(line, "^buzon%-milter%[%a+%]: PRIV%d: "),
			    "line not led by the queue id: " .. line)
		end
	end
end)
