--[[
  Append finished spans to a trace's list in the embedded span store, keep the list bounded, and
  (re)start its retention: one round trip per batch instead of three commands.

  KEYS[1]      the trace's span list
  ARGV[1]      the most spans a trace keeps (older ones stay, newer ones beyond the cap are dropped)
  ARGV[2]      retention in seconds
  ARGV[3..]    the spans, one JSON document each

  Returns the length of the list after the append (before trimming).
]]
local length = redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
if length > tonumber(ARGV[1]) then redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return length
