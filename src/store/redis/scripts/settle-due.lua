--[[
  Keep the due set in line with what a scheduler tick found, without undoing a change made meanwhile:
  a schedule that is not `scheduled` (or is gone) leaves the due set; one still at the version the tick
  read is placed at its next occurrence. A schedule resumed or replaced after the tick read it keeps
  the place that change gave it.

  KEYS[1]  the schedule hash
  KEYS[2]  the due set
  ARGV[1]  the schedule id
  ARGV[2]  the version the tick read, or '' to only drop a schedule that is not scheduled
  ARGV[3]  the next occurrence (ms) to place it at, with ARGV[2]

  Returns 1 when the due set changed, 0 when it did not.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'scheduled' then
  return redis.call('ZREM', KEYS[2], ARGV[1])
end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'version') == ARGV[2] then
  return redis.call('ZADD', KEYS[2], 'CH', ARGV[3], ARGV[1])
end
return 0
