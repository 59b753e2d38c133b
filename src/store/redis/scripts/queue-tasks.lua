--[[
  Create tasks and put each in its cluster's dispatch queue, in one atomic step: either every task
  of the call is recorded and queued or (when the script is never run) none is, so a server that dies
  mid-request leaves no task recorded but not queued. A task whose id exists already is left as it
  is (creation is idempotent: a firing completed twice makes one task); one that is still `queued`
  but was never placed in a queue (recorded before creation and queueing were one step) is placed now.

  KEYS[1]            the queue's arrival counter
  KEYS[2]            the set of clusters that have queues
  then per task, 7 keys:
    the task hash, the project's index of all tasks, its `queued` status index, its code package
    index, the ready set of the task's cluster and constraint signature, the cluster's delayed set,
    and the cluster's set of constraint signatures
  ARGV, per task in the same order:
    id, creation time (ms, the score in every index), delay (ms, 0: ready now), constraint signature
    ('' for none), cluster, W3C trace context as JSON ('' for none), n (the number of field/value
    items that follow), then n items: field, value pairs of the record

  Returns one number per task: 1 created and queued, 0 existed already (nothing written).

  A new task costs one HSET (record, trace context and place in the queue together), its three index
  ZADDs, the arrival counter and the ZADD into its queue; the cluster and signature sets are added to
  once per distinct pair of the call, not once per task.
]]
--!include lib/dispatch.lua
local results = {}
local added = {}
local arg = 1
local task_index = 0
while arg <= #ARGV do
  local base = 2 + task_index * 7
  local task, all_index, queued_index, code_index = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
  local ready_key, delayed_key, signatures_key = KEYS[base + 5], KEYS[base + 6], KEYS[base + 7]
  local id, created_ms, delay_ms = ARGV[arg], ARGV[arg + 1], tonumber(ARGV[arg + 2])
  local signature, cluster, trace = ARGV[arg + 3], ARGV[arg + 4], ARGV[arg + 5]
  local n = tonumber(ARGV[arg + 6])
  local fields_from = arg + 7
  arg = fields_from + n
  task_index = task_index + 1

  local placed = false
  if redis.call('EXISTS', task) == 1 then
    local existing = redis.call('HMGET', task, 'status', 'q_key')
    -- Only a queued task that no queue ever held is placed; any other stays exactly as it is.
    if existing[1] == 'queued' and not existing[2] then
      place_in_queue(task, id, ready_key, delayed_key, new_rank(KEYS[1], redis.call('HGET', task, 'priority')), delay_ms)
      placed = true
    end
    results[task_index] = 0
  else
    -- The record's own priority field ranks it; read from the arguments rather than the hash.
    local priority = '0'
    for i = fields_from, arg - 1, 2 do
      if ARGV[i] == 'priority' then priority = ARGV[i + 1] break end
    end
    local rank = new_rank(KEYS[1], priority)
    local record = { 'created_ms', created_ms, 'q_key', ready_key, 'q_rank', rank }
    if trace ~= '' then record[7] = 'q_trace'; record[8] = trace end
    for i = fields_from, arg - 1 do record[#record + 1] = ARGV[i] end
    redis.call('HSET', task, unpack(record))
    redis.call('ZADD', all_index, created_ms, id)
    redis.call('ZADD', queued_index, created_ms, id)
    redis.call('ZADD', code_index, created_ms, id)
    if delay_ms > 0 then
      redis.call('ZADD', delayed_key, int(now_ms() + delay_ms), id)
    else
      redis.call('ZADD', ready_key, rank, id)
    end
    placed = true
    results[task_index] = 1
  end
  if placed then
    local pair = signatures_key .. '\n' .. signature
    if not added[pair] then
      added[pair] = true
      redis.call('SADD', signatures_key, signature)
      redis.call('SADD', KEYS[2], cluster)
    end
  end
end
return results
