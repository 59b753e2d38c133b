--[[
  Move tasks whose delay has passed from a cluster's delayed set into their ready sets, keeping the
  rank they were given when queued.

  KEYS[1]  the cluster's delayed set (task id -> due time, ms of Redis time)
  ARGV[1]  key prefix
  ARGV[2]  the most tasks to move in one call

  Returns the number of tasks moved.
]]
--!include lib/dispatch.lua
local prefix = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local fields = redis.call('HMGET', task_key(prefix, id), 'status', 'q_key', 'q_rank')
  if fields[1] == 'queued' and fields[2] and fields[3] then
    redis.call('ZADD', fields[2], fields[3], id)
    moved = moved + 1
  end
end
return moved
