--[[
  A node claims one ready task: the only way a task leaves the queue to run. In one step it checks
  that the task is still ready and queued, that its code package is not paused and has room under
  its fleet-wide max_concurrency, takes a lease on one of those places, records the task as held by
  the node, and moves it queued -> preparing with one more attempt.

  A task that may not run now is parked on its code package (paused, at its limit, or behind older
  parked tasks of the same package) and comes back to its ready set, in rank order, when the package
  has room again; so it never blocks the queue for other packages.

  KEYS[1]  the task hash
  KEYS[2]  the ready set the task was seen in
  KEYS[3]  the task's code package hash (its :leases and :parked keys are derived)
  KEYS[4]  the node hash
  KEYS[5]  the node's held-tasks hash (task id -> code key)
  ARGV[1]  task id
  ARGV[2]  node id
  ARGV[3]  lease time-to-live, ms
  ARGV[4]  the time of the change (ISO 8601), written as updated_at
  ARGV[5]  key prefix

  Returns { 1, attempts, memory, trace context (JSON text or '') } when claimed;
          { 0, reason } otherwise, reason one of
            'gone'   (no longer in that ready set), 'stale' (no longer queued; dropped from the set),
            'paused', 'limit', 'behind' (parked).
]]
--!include lib/dispatch.lua
--!include lib/task-status.lua
local task, ready, code_key = KEYS[1], KEYS[2], KEYS[3]
local id, node_id, prefix = ARGV[1], ARGV[2], ARGV[5]

local rank = redis.call('ZSCORE', ready, id)
if not rank then return { 0, 'gone' } end
local fields = redis.call('HMGET', task, 'status', 'project_id', 'memory')
if fields[1] ~= 'queued' or not status_may_change(fields[1], 'preparing') then
  redis.call('ZREM', ready, id)
  return { 0, 'stale' }
end

local parked = code_key .. ':parked'
local function park()
  redis.call('ZREM', ready, id)
  redis.call('ZADD', parked, rank, id)
  redis.call('SADD', prefix .. 'parked-codes', code_key)
end

if redis.call('HGET', code_key, 'paused') == '1' then
  park()
  return { 0, 'paused' }
end

local now = now_ms()
local held = live_leases(code_key, now)
local head = redis.call('ZRANGE', parked, 0, 0, 'WITHSCORES')
if #head > 0 and tonumber(head[2]) < tonumber(rank) then
  -- Older tasks of this package wait parked: they go first, this one waits behind them.
  park()
  unpark(prefix, code_key, now, 1000)
  return { 0, 'behind' }
end
local limit = limit_of(code_key)
if limit ~= nil and held >= limit then
  park()
  return { 0, 'limit' }
end

redis.call('ZADD', code_key .. ':leases', int(now + tonumber(ARGV[3])), id)
redis.call('ZREM', ready, id)
redis.call('HSET', KEYS[5], id, code_key)
local attempts = redis.call('HINCRBY', task, 'attempts', 1)
change_task_status(task, id, 'queued', 'preparing', ARGV[4], function(status) return status_key(prefix, fields[2], status) end)
redis.call('HSET', task, 'node_id', node_id)
redis.call('HDEL', task, 'msg', 'exit_code', 'error_class', 'end_time', 'duration')
local memory = tonumber(fields[3] or '0') or 0
redis.call('HINCRBY', KEYS[4], 'slots_used', 1)
redis.call('HINCRBY', KEYS[4], 'memory_reserved', memory)
return { 1, attempts, memory, redis.call('HGET', task, 'q_trace') or '' }
