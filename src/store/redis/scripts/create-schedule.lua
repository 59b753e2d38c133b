--[[
  Create a schedule record, its index entries and (when it has a next occurrence) its place in the
  due set, refusing a name the project already uses.

  KEYS[1]  the schedule hash
  KEYS[2]  the project's index of schedules
  KEYS[3]  the project's name -> id hash
  KEYS[4]  the due set of all projects
  ARGV[1]  the schedule id
  ARGV[2]  its name, or '' for none
  ARGV[3]  the creation time (ms), the score in the project index
  ARGV[4]  the next occurrence (ms), or '' when it is not due (paused, complete)
  ARGV[5..] field, value pairs of the record

  Returns { 1 } when created,
          { 0, id } when the name is taken by schedule `id` (nothing written),
          { -1 } when a schedule with this id exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return { -1 } end
if ARGV[2] ~= '' then
  local existing = redis.call('HGET', KEYS[3], ARGV[2])
  if existing then return { 0, existing } end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
end
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1]) end
return { 1 }
