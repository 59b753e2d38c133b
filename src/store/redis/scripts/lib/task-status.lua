--[[
  Task status changes, inlined where a script says `--!include lib/task-status.lua`. Every script that
  writes a task's `status` does it through change_task_status, which checks the lifecycle table of
  src/core/task-status.ts (included below as generated Lua), so the rules live in that one table.
]]
--!include generated:task-lifecycle

-- Whether the lifecycle table lets a task in status `from` be written with status `to`.
local function status_may_change(from, to)
  local allowed = TASK_TRANSITIONS[from]
  return allowed ~= nil and allowed[to] == true
end

-- The status index keys passed as KEYS[first ..], one per status in TASK_STATUSES order.
local function status_indexes_in_keys(first)
  return function(status)
    for i, s in ipairs(TASK_STATUSES) do
      if s == status then return KEYS[first + i - 1] end
    end
  end
end

-- Writes `to` as the task's status (and updated_at) if the table allows `from` -> `to`, and moves the
-- task between its project's status indexes (index_of(status) names one), keeping its score, the
-- creation time. Returns false, changing nothing, when the table does not allow it.
local function change_task_status(task, id, from, to, updated_at, index_of)
  if not status_may_change(from, to) then return false end
  redis.call('HSET', task, 'status', to, 'updated_at', updated_at)
  if from ~= to then
    local from_key = index_of(from)
    local score = redis.call('ZSCORE', from_key, id) or redis.call('HGET', task, 'created_ms') or '0'
    redis.call('ZREM', from_key, id)
    redis.call('ZADD', index_of(to), score, id)
  end
  return true
end
