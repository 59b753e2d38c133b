--[[
  Finish a claimed firing once its task is queued (or once it is known that it cannot be): remove it
  from the pending hash and the fleet-wide pending set and record its outcome in the history. Only the
  first caller for a firing records anything, so a firing completed by two servers is recorded once.
  A schedule left `ending` by its last claim (lib/schedule-end.lua) completes here, in the same step
  that records its last pending firing.

  KEYS[1]  the schedule's pending hash
  KEYS[2]  the fleet-wide pending set
  KEYS[3]  the schedule's history
  KEYS[4]  the schedule hash
  ARGV[1]  the occurrence (ms)
  ARGV[2]  the member in the pending set (`<schedule id>:<occurrence ms>`)
  ARGV[3]  the history JSON to record
  ARGV[4]  how many history entries to keep
  ARGV[5]  when the task was queued (ISO 8601), written as last_run_time, or '' when no task was queued
  ARGV[6]  now (ISO 8601), written as updated_at when the schedule completes

  Returns 1 when this call completed the firing, 0 when it was no longer pending.
]]
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[4]) + 1))
if ARGV[5] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[4], 'last_run_time', ARGV[5])
end
if redis.call('HLEN', KEYS[1]) == 0 and redis.call('HGET', KEYS[4], 'ending') == '1'
    and redis.call('HGET', KEYS[4], 'status') == 'scheduled' then
  redis.call('HSET', KEYS[4], 'status', 'complete', 'updated_at', ARGV[6])
  redis.call('HDEL', KEYS[4], 'ending')
  redis.call('HINCRBY', KEYS[4], 'version', 1)
end
return 1
