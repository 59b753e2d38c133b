--[[
  Shared helpers of the dispatch scripts, inlined where a script says `--!include lib/dispatch.lua`.

  Key shapes built here mirror src/store/redis/keys.ts (a unit test keeps them in step):
    task hash          <prefix>task:<id>
    status index       <prefix>tasks:<project>:status:<status>
    code leases        <code key>:leases      (task id -> lease expiry, ms of Redis time)
    code parked        <code key>:parked      (task id -> queue rank)
    parked codes       <prefix>parked-codes   (code keys with parked tasks)
  Keys derived inside a script are not declared in KEYS: Dockhand runs on one Redis, not a Cluster.
]]

-- Milliseconds of Redis time: the one clock every lease and heartbeat is measured by.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers above 1e14 lose digits in Lua's default number format.
local function int(n)
  return string.format('%.0f', n)
end

local function task_key(prefix, id)
  return prefix .. 'task:' .. id
end

local function status_key(prefix, project, status)
  return prefix .. 'tasks:' .. project .. ':status:' .. status
end

-- The rank of a task in its ready set: priority 2 before 1 before 0, then arrival order.
local RANK_BAND = 281474976710656 -- 2^48
local function new_rank(seq_key, priority)
  local seq = redis.call('INCR', seq_key)
  return int((2 - tonumber(priority or '0')) * RANK_BAND + seq)
end

-- Puts a queued task at `rank` in its ready set, or in the delayed set until `delay_ms` has passed
-- (promotion moves it to the ready set at the same rank), and records where it is queued.
local function place_in_queue(task, id, ready_key, delayed_key, rank, delay_ms)
  redis.call('HSET', task, 'q_key', ready_key, 'q_rank', rank)
  if delay_ms > 0 then
    redis.call('ZADD', delayed_key, int(now_ms() + delay_ms), id)
  else
    redis.call('ZADD', ready_key, rank, id)
  end
end

-- The concurrency limit of a code package: nil for none (max_concurrency below 1 or unset).
local function limit_of(code_key)
  local limit = tonumber(redis.call('HGET', code_key, 'max_concurrency') or '')
  if limit == nil or limit < 1 then return nil end
  return limit
end

-- Drops leases whose holder stopped renewing them; returns how many are still held.
local function live_leases(code_key, now)
  redis.call('ZREMRANGEBYSCORE', code_key .. ':leases', '-inf', now)
  return redis.call('ZCARD', code_key .. ':leases')
end

-- Appends one attempt record (JSON text) to the task's attempt_history.
local function append_history(task, entry_json)
  if entry_json == nil or entry_json == '' then return end
  local raw = redis.call('HGET', task, 'attempt_history')
  local history = {}
  if raw then history = cjson.decode(raw) end
  table.insert(history, cjson.decode(entry_json))
  redis.call('HSET', task, 'attempt_history', cjson.encode(history))
end

-- Returns parked tasks of a code package to their ready sets, oldest rank first, as far as its
-- limit has room (all of them when it has none), unless the package is paused.
local function unpark(prefix, code_key, now, budget)
  local parked = code_key .. ':parked'
  if redis.call('HGET', code_key, 'paused') == '1' then return 0 end
  local room = budget
  local limit = limit_of(code_key)
  if limit ~= nil then room = math.min(budget, limit - live_leases(code_key, now)) end
  local moved = 0
  while moved < room do
    local head = redis.call('ZRANGE', parked, 0, 0, 'WITHSCORES')
    if #head == 0 then break end
    local id, rank = head[1], head[2]
    redis.call('ZREM', parked, id)
    local fields = redis.call('HMGET', task_key(prefix, id), 'status', 'q_key')
    if fields[1] == 'queued' and fields[2] then
      redis.call('ZADD', fields[2], rank, id)
      moved = moved + 1
    end
  end
  if redis.call('ZCARD', parked) == 0 then redis.call('SREM', prefix .. 'parked-codes', code_key) end
  return moved
end
