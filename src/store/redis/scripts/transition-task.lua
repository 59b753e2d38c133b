--[[
  Change a task's status (or its fields within a status) outside an attempt's own settlement: cancel,
  a progress update, a status change the service makes. The other writers of a task's status are the
  dispatch scripts (claim-task, settle-attempt, recover-node); all of them go through
  change_task_status (lib/task-status.lua), which checks the lifecycle table of src/core/task-status.ts.

  KEYS[1]      the task hash
  KEYS[2..8]   the project's status indexes, in TASK_STATUSES order
               (queued, preparing, running, complete, error, cancelled, timeout)
  ARGV[1]      comma-separated statuses this operation accepts the task in (cancel: the unfinished ones)
  ARGV[2]      the new status
  ARGV[3]      '1' to add one to `attempts`, else '0'
  ARGV[4]      the time of the change (ISO 8601), written as updated_at
  ARGV[5..]    field, value pairs to set; a value of '\0' deletes the field

  Returns { 1, previous status, attempts } when applied,
          { 0, current status } when the operation does not accept the current status or the
          lifecycle table does not allow the change,
          { -1 } when the task does not exist.
]]
--!include lib/hash-fields.lua
--!include lib/task-status.lua
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return { -1 } end

local accepted = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == current then accepted = true end
end
if not accepted or not status_may_change(current, ARGV[2]) then return { 0, current } end

local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if ARGV[3] == '1' then attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end

change_task_status(KEYS[1], redis.call('HGET', KEYS[1], 'id'), current, ARGV[2], ARGV[4], status_indexes_in_keys(2))
write_fields(KEYS[1], 5)

return { 1, current, attempts }
