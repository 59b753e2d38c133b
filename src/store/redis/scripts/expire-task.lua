--[[
  Forget a finished task whose retention passed: its record (with its attempt history), its log, its
  trace, and its entries in the project's indexes, in one step, so no listing or count ever sees a
  task that is half gone. The caller (the retention sweep) decided from the record that it expired;
  this script only re-checks that the task is still in the finished status it read (finished tasks
  never change, so the check is a guard against a recycled key, not a race).

  KEYS[1]  the task hash
  KEYS[2]  the project's index of all tasks
  KEYS[3]  the project's index of the task's status
  KEYS[4]  the project's index of the task's code package
  KEYS[5]  the task's log stream
  KEYS[6]  the task's log byte counter
  KEYS[7]  the task's trace spans (the log key again for a task with no trace id)
  KEYS[8]  the task's trace owner hash
  ARGV[1]  the task id
  ARGV[2]  the finished status the caller read

  Returns 1 when the task was forgotten, 0 when it was not in that status (nothing changed).
]]
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
