-- outbox-slow.lua - a slow MTA hand-off never holds up the milter's reply
--
-- Rule (issue 5): "The milter replies to the MTA within its timeout even
-- when the outbox is slow." SendmailCommand waits on a lock this script
-- holds (flock(1) runs /bin/true, which ignores the -i -f <> -- RCPT the
-- worker appends, once it gets the lock): while the first acuse's hand-off
-- hangs, two more submissions are decided and answered; only after the
-- lock is released are the acuses handed to the MTA. No step waits a fixed
-- time: the order of events is what is checked.
-- config: SendmailCommand /usr/bin/flock @DIR@/outbox.lock /bin/true
dofile(os.getenv("top_srcdir") .. "/tests/milter/common.lua")

local dir = string.match(bz.conf, "^(.*)/[^/]*$")
local lock = dir .. "/outbox.lock"
local release = dir .. "/release"
bz.run("a hanging SendmailCommand does not delay the replies", function()
	-- The serving user (nobody, as root) opens the lock file read-only.
	local f = assert(io.open(lock, "w"))
	f:close()
	bz.check(os.execute("chmod 0644 '" .. lock .. "'"), "chmod")
	-- (held until the release file appears, or the directory is gone)
	bz.check(os.execute("flock '" .. lock .. "' sh -c 'while [ -d \"" .. dir
	    .. "\" ] && [ ! -e \"" .. release .. "\" ]; do sleep 0.05; done' "
	    .. ">/dev/null 2>&1 &"), "the lock holder")
	for _ = 1, bz.tries(200) do
		if not os.execute("flock -n '" .. lock .. "' true") then
			break
		end
		mt.sleep(0.05)
	end
	bz.check(not os.execute("flock -n '" .. lock .. "' true"), "the lock is not held")

	local files = { bz.sign("lenta-1", "Promocion lenta 1."),
	    bz.sign("lenta-2", "Promocion lenta 2."), bz.sign("lenta-3", "Promocion lenta 3.") }
	bz.submit("SLOW1", files[1])
	bz.wait_log("SLOW1: accepted: folio BZ-2026-00000001", "SLOW1 decision")
	-- The worker is now inside SendmailCommand for SLOW1's acuse (it waits
	-- on the lock): wait for its process rather than for time to pass.
	local running = false
	for _ = 1, bz.tries(200) do
		if os.execute("for c in /proc/[0-9]*/cmdline; do tr '\\0' ' ' <\"$c\"; "
		    .. "echo; done 2>/dev/null | grep -q '^/usr/bin/flock " .. lock
		    .. " /bin/true -i '") then
			running = true
			break
		end
		mt.sleep(0.05)
	end
	bz.check(running, "the outbox never ran SendmailCommand for SLOW1")
	bz.submit("SLOW2", files[2])
	bz.submit("SLOW3", files[3])
	bz.wait_log("SLOW3: accepted: folio BZ-2026-00000003", "SLOW3 decision")
	bz.check(bz.count_log("handed to the MTA") == 0,
	    "an acuse was handed to the MTA while SendmailCommand could not run")

	-- Released: the queued acuses go out.
	f = assert(io.open(release, "w"))
	f:close()
	bz.wait_log("acuse BZ-2026-00000001 handed to the MTA", "SLOW1 acuse sent")
	bz.wait_log("acuse BZ-2026-00000003 handed to the MTA", "SLOW3 acuse sent")
end)
