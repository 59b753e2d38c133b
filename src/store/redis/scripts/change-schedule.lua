--[[
  Change a schedule outside a firing: pause, resume, cancel, stop, or replace its definition. The only
  way a schedule's status changes besides claim-firings.lua; every change bumps `version`, so a
  scheduler holding a plan made before it cannot claim with that plan.

  KEYS[1]  the schedule hash
  KEYS[2]  the due set
  KEYS[3]  the project's name -> id hash
  KEYS[4]  the schedule's pending hash (claimed firings not yet recorded)
  ARGV[1]  comma-separated statuses the schedule may be in for this change
  ARGV[2]  the new status, or '' to keep it; `complete` waits for the pending firings to be recorded
           (lib/schedule-end.lua): until then the schedule stays `scheduled`, ending
  ARGV[3]  the due set: '' leaves it, '-' removes the schedule, a number (ms) places it there
  ARGV[4]  '1' to release the schedule's name (when it maps to this schedule), else '0'
  ARGV[5]  the time of the change (ISO 8601), written as updated_at
  ARGV[6]  the version the change was computed from, or '' when it does not depend on one
  ARGV[7..] field, value pairs to set; a value of '\0' deletes the field

  Returns { 1, previous status, new version } when applied,
          { 0, current status } when the status does not allow the change,
          { -2, current status } when the schedule is no longer at the version given,
          { -1 } when the schedule does not exist.
]]
--!include lib/schedule-end.lua
--!include lib/hash-fields.lua

local current = redis.call('HGET', KEYS[1], 'status')
if not current then return { -1 } end
if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'version') ~= ARGV[6] then return { -2, current } end

local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == current then allowed = true end
end
if not allowed then return { 0, current } end

local id = redis.call('HGET', KEYS[1], 'id')
if ARGV[2] ~= '' then
  redis.call('HDEL', KEYS[1], 'ending')
  if ARGV[2] == 'complete' then end_schedule(KEYS[1], KEYS[4]) else redis.call('HSET', KEYS[1], 'status', ARGV[2]) end
end
write_fields(KEYS[1], 7)
redis.call('HSET', KEYS[1], 'updated_at', ARGV[5])
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)

if ARGV[3] == '-' then
  redis.call('ZREM', KEYS[2], id)
elseif ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[3], id)
end

if ARGV[4] == '1' then
  local name = redis.call('HGET', KEYS[1], 'name')
  if name and redis.call('HGET', KEYS[3], name) == id then redis.call('HDEL', KEYS[3], name) end
end

return { 1, current, version }
