--[[
  Claim what one scheduler tick decided for a schedule: the exactly-once step. The claim succeeds only
  if the schedule is still `scheduled` at the version the plan was made from, so of several servers
  planning the same occurrence exactly one claims it; the others see 0 and plan again from the new state.

  A claimed firing is written to the schedule's pending hash together with the task id decided here,
  and to the fleet-wide pending set with a lease. Whoever completes it (this scheduler, or another one
  once the lease lapses because this one died) creates that very task id, so a crash between claim and
  enqueue neither loses nor doubles the task. If the schedule's code package is gone, nothing is
  claimed: the schedule stops with the given reason and the occurrences are recorded as skipped.

  KEYS[1]  the schedule hash
  KEYS[2]  the due set
  KEYS[3]  the schedule's pending hash (occurrence ms -> firing JSON)
  KEYS[4]  the fleet-wide pending set (`<schedule id>:<occurrence ms>` scored by lease expiry)
  KEYS[5]  the schedule's history (firing JSON scored by occurrence ms)
  KEYS[6]  the hash of the schedule's code package (only its existence is read)
  ARGV[1]  the version the plan was made from
  ARGV[2]  the new last_handled (ms), or '' to keep it
  ARGV[3]  the new last_handled (ISO 8601), or ''
  ARGV[4]  the next occurrence (ms), or '' when there is none: the schedule then ends, completing
           once its pending firings are recorded (lib/schedule-end.lua)
  ARGV[5]  the next occurrence (ISO 8601), or ''
  ARGV[6]  the id of the last task these firings create, or '' when they create none
  ARGV[7]  the lease expiry (ms) of the claimed firings
  ARGV[8]  how many history entries to keep
  ARGV[9]  now (ISO 8601), written as updated_at
  ARGV[10] the status reason to record when the code package is missing
  ARGV[11] n, the number of firings to claim
  ARGV[12 .. 11 + 3n]  per firing: occurrence ms, pending JSON, history JSON if skipped for a missing package
  ARGV[12 + 3n ..]     occurrence ms, history JSON pairs to record in any case (missed, skipped by overlap)

  Returns 1 when claimed,
          2 when the code package is missing (the schedule is now `stopped`),
          0 when the schedule changed since the plan (another server claimed, or a user paused it),
          -1 when the schedule does not exist.
]]
--!include lib/schedule-end.lua

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status ~= 'scheduled' or redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end

local id = redis.call('HGET', KEYS[1], 'id')
local n = tonumber(ARGV[11])
local firstRecord = 12 + 3 * n
local codeMissing = n > 0 and redis.call('EXISTS', KEYS[6]) == 0

if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'last_handled_ms', ARGV[2], 'last_handled', ARGV[3])
end

local result = 1
if codeMissing then
  for i = 12, firstRecord - 1, 3 do
    redis.call('ZADD', KEYS[5], ARGV[i], ARGV[i + 2])
  end
  redis.call('HSET', KEYS[1], 'status', 'stopped', 'status_reason', ARGV[10])
  redis.call('HDEL', KEYS[1], 'next_start', 'next_ms', 'ending')
  redis.call('ZREM', KEYS[2], id)
  result = 2
else
  for i = 12, firstRecord - 1, 3 do
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
    redis.call('ZADD', KEYS[4], ARGV[7], id .. ':' .. ARGV[i])
  end
  if n > 0 then redis.call('HINCRBY', KEYS[1], 'run_count', n) end
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'last_task_id', ARGV[6]) end
  if ARGV[4] ~= '' then
    redis.call('HSET', KEYS[1], 'next_ms', ARGV[4], 'next_start', ARGV[5])
    redis.call('HDEL', KEYS[1], 'ending')
    redis.call('ZADD', KEYS[2], ARGV[4], id)
  else
    redis.call('HDEL', KEYS[1], 'next_start', 'next_ms')
    redis.call('ZREM', KEYS[2], id)
    -- Not `complete` yet while a firing (this claim's, or an earlier one's) still waits for its task.
    end_schedule(KEYS[1], KEYS[3])
  end
end

for i = firstRecord, #ARGV, 2 do
  redis.call('ZADD', KEYS[5], ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(tonumber(ARGV[8]) + 1))
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updated_at', ARGV[9])
return result
