--[[
  A worker node's heartbeat (and its registration, the first time): writes the node's record and
  last-seen time, and renews the lease of every task the node holds. A lease that is already gone
  (it lapsed, so the fleet may have taken the task back) is not renewed but reported, and the node
  stops that attempt. Refuses a second live process claiming the same node id.

  KEYS[1]  the node hash
  KEYS[2]  the sorted set of nodes by last heartbeat (ms of Redis time)
  KEYS[3]  the node's held-tasks hash (task id -> code key)
  ARGV[1]  node id
  ARGV[2]  lease and node time-to-live, ms
  ARGV[3]  seconds to keep the record of a node that stopped heartbeating
  ARGV[4]  this process's instance id
  ARGV[5..] field, value pairs of the node record

  Returns { 1, now ms, lost task id... } or { -1, other instance id, ms since it was last seen } when
  another process with the same node id heartbeated within the time-to-live.
]]
--!include lib/dispatch.lua
local node, nodes, held = KEYS[1], KEYS[2], KEYS[3]
local node_id, ttl, instance = ARGV[1], tonumber(ARGV[2]), ARGV[4]
local now = now_ms()

local other = redis.call('HMGET', node, 'instance', 'last_seen_ms')
if other[1] and other[1] ~= instance and other[2] and now - tonumber(other[2]) <= ttl then
  return { -1, other[1], now - tonumber(other[2]) }
end

local record = { 'instance', instance, 'last_seen_ms', now }
for i = 5, #ARGV, 2 do
  table.insert(record, ARGV[i])
  table.insert(record, ARGV[i + 1])
end
redis.call('HSET', node, unpack(record))
redis.call('EXPIRE', node, tonumber(ARGV[3]))
redis.call('ZADD', nodes, now, node_id)

local result = { 1, now }
local entries = redis.call('HGETALL', held)
for i = 1, #entries, 2 do
  local id, code_key = entries[i], entries[i + 1]
  local leases = code_key .. ':leases'
  local expiry = tonumber(redis.call('ZSCORE', leases, id) or '0')
  if expiry > now then
    redis.call('ZADD', leases, 'XX', int(now + ttl), id)
  else
    table.insert(result, id)
  end
end
return result
