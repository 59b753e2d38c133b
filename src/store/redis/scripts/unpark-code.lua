--[[
  Return a code package's parked tasks to the queue as far as its limit has room: after a resume, and
  from every node's periodic sweep (leases of a lost node lapse without anyone releasing them).

  KEYS[1]  the code package hash
  ARGV[1]  key prefix
  ARGV[2]  the most tasks to return

  Returns the number of tasks returned.
]]
--!include lib/dispatch.lua
return unpark(ARGV[1], KEYS[1], now_ms(), tonumber(ARGV[2]))
