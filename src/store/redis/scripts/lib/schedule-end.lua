--[[
  How a schedule ends, shared by the scripts that can end one (claim-firings.lua, change-schedule.lua);
  inlined where a script says `--!include lib/schedule-end.lua`.

  A schedule with no occurrence left is `complete` only once the outcome of every firing it claimed is
  recorded. Claiming a firing and recording its outcome are two steps with the task's enqueue in
  between (long on a loaded machine, and up to a lease when the claimer dies), so a schedule marked
  complete at its last claim would read as complete while its last occurrence is in neither the history
  nor the queue. Until its pending firings are recorded it stays `scheduled`, out of the due set and
  without a next occurrence, marked `ending`; complete-firing.lua completes it when it records the
  last one. A status change meanwhile (pause, cancel, stop, replace) clears the mark.
]]

-- Ends the schedule now when none of its firings is pending, else once complete-firing.lua has
-- recorded the last of them.
local function end_schedule(schedule_key, pending_key)
  if redis.call('HLEN', pending_key) == 0 then
    redis.call('HSET', schedule_key, 'status', 'complete')
    redis.call('HDEL', schedule_key, 'ending')
  else
    redis.call('HSET', schedule_key, 'status', 'scheduled', 'ending', '1')
  end
end
