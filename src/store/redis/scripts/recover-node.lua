--[[
  Take back the tasks a node holds but can no longer run, as new attempts: a lost node's tasks whose
  leases lapsed (any node runs this for any lost node), or, with force, tasks the node itself holds
  but runs no container for (its previous process died, or it could not record an attempt's end).
  Each task still preparing or running on that node goes back to the front of its ready set, with an
  attempt record saying why; its lease is dropped and parked tasks of its package may come back.

  KEYS[1]  the node's held-tasks hash (task id -> code key)
  ARGV[1]  key prefix
  ARGV[2]  node id
  ARGV[3]  '1' to take back regardless of lease expiry (only the node itself, for tasks it does not
           run), '0' to take back only tasks whose lease lapsed
  ARGV[4]  the time of the change (ISO 8601)
  ARGV[5]  the attempt status to record: 'lost' or 'revoked'
  ARGV[6]  the message to record
  ARGV[7..] with force, the task ids to take back (none: all)

  Returns the ids of the tasks queued again.
]]
--!include lib/dispatch.lua
--!include lib/task-status.lua
local held = KEYS[1]
local prefix, node_id, force, at, ending, msg = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], ARGV[5], ARGV[6]
local now = now_ms()

local ids = {}
if #ARGV >= 7 then
  for i = 7, #ARGV do table.insert(ids, ARGV[i]) end
else
  ids = redis.call('HKEYS', held)
end

local recovered = {}
for _, id in ipairs(ids) do
  local code_key = redis.call('HGET', held, id)
  if code_key then
    local leases = code_key .. ':leases'
    local expiry = tonumber(redis.call('ZSCORE', leases, id) or '0')
    if force or expiry <= now then
      local task = task_key(prefix, id)
      local f = redis.call('HMGET', task, 'status', 'node_id', 'attempts', 'project_id', 'q_key', 'q_rank')
      local status, owner = f[1], f[2]
      if owner == node_id then
        if ATTEMPT_STATUSES[status] and status_may_change(status, 'queued') and f[5] and f[6] then
          append_history(task, cjson.encode({ attempt = tonumber(f[3]), node_id = node_id, status = ending, end_time = at, msg = msg }))
          change_task_status(task, id, status, 'queued', at, function(s) return status_key(prefix, f[4], s) end)
          redis.call('HSET', task, 'msg', msg)
          redis.call('ZADD', f[5], f[6], id)
          table.insert(recovered, id)
        end
        -- The lease is this node's only while the task is still on this node's attempt.
        redis.call('ZREM', leases, id)
      end
      redis.call('HDEL', held, id)
      unpark(prefix, code_key, now, 1000)
    end
  end
end
return recovered
