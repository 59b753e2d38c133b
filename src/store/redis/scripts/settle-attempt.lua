--[[
  The node running an attempt records what became of it: the only way an attempt's node changes its
  task. Fenced: it applies only while the task is still this node's and on this attempt, so a node
  that lost its lease (and whose task another node took back) can never overwrite the newer attempt.

  Modes:
    running  preparing -> running (the container started); the lease stays.
    finish   -> complete | error | timeout | cancelled; then the lease is released.
    requeue  -> queued again (a retry after back-off, or a drained or revoked attempt), into the
             ready set (or the delayed set when ARGV[9] > 0); then the lease is released.
  For finish and requeue the lease is released even when the status change does not apply (a user
  cancelled the task meanwhile): the attempt is over either way. Releasing a lease returns parked
  tasks of the package to the queue as far as its limit has room.

  KEYS[1]      the task hash
  KEYS[2..8]   the project's status indexes, in TASK_STATUSES order
  KEYS[9]      the node hash
  KEYS[10]     the node's held-tasks hash
  KEYS[11]     the task's code package hash
  KEYS[12]     the ready set to requeue into (the task's cluster and constraint signature)
  KEYS[13]     the cluster's delayed set
  KEYS[14]     the queue's arrival counter
  ARGV[1]      mode: running | finish | requeue
  ARGV[2]      task id
  ARGV[3]      node id
  ARGV[4]      attempt number
  ARGV[5]      comma-separated statuses this settlement accepts the task in (the attempt's own);
               the change must also be one the lifecycle table allows (lib/task-status.lua)
  ARGV[6]      the new status
  ARGV[7]      the time of the change (ISO 8601), written as updated_at
  ARGV[8]      an attempt record (JSON) to append to attempt_history, or ''
  ARGV[9]      requeue: delay in ms before the task is ready again
  ARGV[10]     requeue: '1' keeps the task's rank (it goes back to the front), '0' gives a new one
  ARGV[11]     memory (MiB) the attempt reserved on the node
  ARGV[12]     key prefix
  ARGV[13..]   field, value pairs to set; a value of '\0' deletes the field

  Returns { 1, previous status, unparked } when applied,
          { 0, current status, unparked } when the status did not allow it (e.g. a user cancelled),
          { -1, 'fenced' } when the task is no longer this node's attempt (only the node's own
          bookkeeping changed).
]]
--!include lib/dispatch.lua
--!include lib/hash-fields.lua
--!include lib/task-status.lua
local task = KEYS[1]
local mode, id, node_id, attempt = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local prefix = ARGV[12]

local function forget()
  if redis.call('HDEL', KEYS[10], id) == 1 then
    redis.call('HINCRBY', KEYS[9], 'slots_used', -1)
    redis.call('HINCRBY', KEYS[9], 'memory_reserved', -tonumber(ARGV[11]))
  end
end

local current = redis.call('HMGET', task, 'status', 'node_id', 'attempts')
if not current[1] or current[2] ~= node_id or current[3] ~= attempt then
  -- The node's held entry (and slot) is the attempt's to release, unless this same node has since
  -- claimed the task's next attempt: then the entry is that attempt's, and it stays.
  local newer_here = current[2] == node_id and ATTEMPT_STATUSES[current[1]]
  if mode ~= 'running' and not newer_here then forget() end
  return { -1, 'fenced' }
end
local status = current[1]

local accepted = false
for s in string.gmatch(ARGV[5], '[^,]+') do
  if s == status then accepted = true end
end

local to = ARGV[6]
local allowed = accepted and change_task_status(task, id, status, to, ARGV[7], status_indexes_in_keys(2))
if allowed then
  write_fields(task, 13)
  append_history(task, ARGV[8])
  if mode == 'requeue' then
    local rank = redis.call('HGET', task, 'q_rank')
    if ARGV[10] ~= '1' or not rank then
      rank = new_rank(KEYS[14], redis.call('HGET', task, 'priority'))
    end
    place_in_queue(task, id, KEYS[12], KEYS[13], rank, tonumber(ARGV[9]))
  end
end

if mode == 'running' then
  return { allowed and 1 or 0, status, 0 }
end

redis.call('ZREM', KEYS[11] .. ':leases', id)
forget()
local unparked = unpark(prefix, KEYS[11], now_ms(), 1000)
return { allowed and 1 or 0, status, unparked }
