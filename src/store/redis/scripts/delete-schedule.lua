--[[
  Delete a schedule with everything it owns: record, history, unfinished firings, its place in the
  project index, the name index and the due set.

  KEYS[1]  the schedule hash
  KEYS[2]  the project's index of schedules
  KEYS[3]  the project's name -> id hash
  KEYS[4]  the due set
  KEYS[5]  the schedule's pending hash
  KEYS[6]  the fleet-wide pending set
  KEYS[7]  the schedule's history
  ARGV[1]  the schedule id

  Returns 1 when deleted, 0 when there was no such schedule.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local name = redis.call('HGET', KEYS[1], 'name')
if name and redis.call('HGET', KEYS[3], name) == ARGV[1] then redis.call('HDEL', KEYS[3], name) end
for _, occurrence in ipairs(redis.call('HKEYS', KEYS[5])) do
  redis.call('ZREM', KEYS[6], ARGV[1] .. ':' .. occurrence)
end
redis.call('DEL', KEYS[1], KEYS[5], KEYS[7])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
