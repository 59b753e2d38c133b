--[[
  Append finished spans to their traces' lists in the embedded span store, keep each list bounded,
  and (re)start each list's retention: one round trip for a whole batch of spans, whatever number of
  traces it touches (a batch of queued tasks is one trace per task).

  KEYS[1..n]   the span list of each trace in the batch
  ARGV[1]      the most spans a trace keeps (older ones stay, newer ones beyond the cap are dropped)
  ARGV[2]      retention in seconds
  then per key, in the order of KEYS:
    c (the number of spans of that trace that follow), then c spans, one JSON document each

  Returns, per key, the length of its list after the append (before trimming).
]]
local cap = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local lengths = {}
local arg = 3
for i = 1, #KEYS do
  local count = tonumber(ARGV[arg])
  local first = arg + 1
  arg = first + count
  -- unpack has a stack limit; a trace's spans go in slices well below it.
  local length = 0
  for from = first, arg - 1, 1000 do
    length = redis.call('RPUSH', KEYS[i], unpack(ARGV, from, math.min(from + 999, arg - 1)))
  end
  if length > cap then redis.call('LTRIM', KEYS[i], 0, cap - 1) end
  redis.call('EXPIRE', KEYS[i], retention)
  lengths[i] = length
end
return lengths
