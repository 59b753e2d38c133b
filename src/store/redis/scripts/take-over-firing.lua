--[[
  Take over a claimed firing whose lease has lapsed (its scheduler died or stalled between claim and
  enqueue): extend the lease to the caller and hand back the firing, so one server at a time completes it.

  KEYS[1]  the fleet-wide pending set
  KEYS[2]  the schedule's pending hash
  ARGV[1]  the member (`<schedule id>:<occurrence ms>`)
  ARGV[2]  the occurrence (ms)
  ARGV[3]  now (ms)
  ARGV[4]  the new lease expiry (ms)

  Returns the firing JSON when the caller now holds it,
          false when the lease has not lapsed or the firing is no longer pending.
]]
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not lease or tonumber(lease) > tonumber(ARGV[3]) then return false end
local firing = redis.call('HGET', KEYS[2], ARGV[2])
if not firing then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
return firing
