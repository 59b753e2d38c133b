--[[
  Put a queued task into its cluster's dispatch queue: the ready set of its constraint signature, or
  the delayed set until its delay has passed. Gives the task its rank (priority, then arrival).

  KEYS[1]  the task hash
  KEYS[2]  the ready set for the task's cluster and constraint signature
  KEYS[3]  the cluster's delayed set
  KEYS[4]  the cluster's set of constraint signatures
  KEYS[5]  the queue's arrival counter
  KEYS[6]  the set of clusters that have queues
  ARGV[1]  task id
  ARGV[2]  delay in ms (0: ready now)
  ARGV[3]  the constraint signature ('' for none)
  ARGV[4]  the cluster

  Returns the rank (text), or -1 when the task does not exist or is not queued.
]]
--!include lib/dispatch.lua
local task, id = KEYS[1], ARGV[1]
local fields = redis.call('HMGET', task, 'status', 'priority')
if fields[1] ~= 'queued' then return -1 end
local rank = new_rank(KEYS[5], fields[2])
place_in_queue(task, id, KEYS[2], KEYS[3], rank, tonumber(ARGV[2]))
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('SADD', KEYS[6], ARGV[4])
return rank
