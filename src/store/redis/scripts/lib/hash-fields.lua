-- Writes field, value pairs from ARGV[first..] to a hash; the value '\0' deletes its field (an
-- attribute being cleared, since Redis has no null).
local function write_fields(key, first)
  for i = first, #ARGV, 2 do
    if ARGV[i + 1] == '\0' then
      redis.call('HDEL', key, ARGV[i])
    else
      redis.call('HSET', key, ARGV[i], ARGV[i + 1])
    end
  end
end
