--[[
  Move a task from one status to another: the only way a task's status changes.

  KEYS[1]      the task hash
  KEYS[2..8]   the project's status indexes, in TASK_STATUSES order
               (queued, preparing, running, complete, error, cancelled, timeout)
  ARGV[1]      comma-separated statuses the task may be in for this transition (from the TS table)
  ARGV[2]      the new status
  ARGV[3]      '1' to add one to `attempts`, else '0'
  ARGV[4]      the time of the change (ISO 8601), written as updated_at
  ARGV[5..]    field, value pairs to set; a value of '\0' deletes the field

  Returns { 1, previous status, attempts } when applied,
          { 0, current status } when the task is in a status the transition does not allow,
          { -1 } when the task does not exist.
]]
--!include lib/hash-fields.lua
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return { -1 } end

local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == current then allowed = true end
end
if not allowed then return { 0, current } end

local order = { 'queued', 'preparing', 'running', 'complete', 'error', 'cancelled', 'timeout' }
local fromIndex, toIndex
for i, s in ipairs(order) do
  if s == current then fromIndex = KEYS[i + 1] end
  if s == ARGV[2] then toIndex = KEYS[i + 1] end
end

local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if ARGV[3] == '1' then attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end

redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updated_at', ARGV[4])
write_fields(KEYS[1], 5)

if fromIndex ~= toIndex then
  local id = redis.call('HGET', KEYS[1], 'id')
  local score = redis.call('ZSCORE', fromIndex, id) or redis.call('HGET', KEYS[1], 'created_ms') or '0'
  redis.call('ZREM', fromIndex, id)
  redis.call('ZADD', toIndex, score, id)
end

return { 1, current, attempts }
