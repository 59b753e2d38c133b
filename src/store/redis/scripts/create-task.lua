--[[
  Create a task record unless one with its id already exists: creation is idempotent, so a firing
  completed twice (by its scheduler and by another taking over its lapsed claim) makes one task.

  KEYS[1]  the task hash
  KEYS[2]  the project's index of all tasks
  KEYS[3]  the project's `queued` status index
  KEYS[4]  the project's index of the task's code package
  ARGV[1]  the task id
  ARGV[2]  the creation time (ms), the score in every index
  ARGV[3..] field, value pairs of the record

  Returns 1 when the task was created, 0 when a task with this id already existed (nothing written).
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'created_ms', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 1
