"""The shared ledger's Lua scripts (relay/ledger_redis.py runs them), each atomic in Redis.

Every script that moves money takes a last argument, `not_after`: a time in Redis's own clock
(milliseconds; RedisLink.not_after()) after which its caller has stopped waiting and answered
that Redis was unavailable. A script that Redis runs later than that (it was sent to a hung
Redis and run when it came back) changes nothing and answers LATE: a request answered 503 is
never charged, and a settlement sent again after a timeout is never applied twice.
"""

LATE = 6  # a script's answer: run after its caller's deadline, nothing changed
_LATE_CHECK = """
local clock = redis.call('TIME')
if clock[1] * 1000 + math.floor(clock[2] / 1000) > tonumber(ARGV[#ARGV]) then return %s end
"""

# KEYS: wallet, key, dirty:u, dirty:t
# ARGV: amount, unlimited, uid, tid, remain (no stored key), not_after
RESERVE = (
    (_LATE_CHECK % "{6, 0, 0}")
    + """
local w = redis.call('GET', KEYS[1])
if not w then return {1, 0, 0} end
w = tonumber(w)
local has_t = ARGV[4] ~= '0'
local t = tonumber(ARGV[5])
if has_t then
  local v = redis.call('GET', KEYS[2])
  if not v then return {2, w, 0} end
  t = tonumber(v)
end
local amount = tonumber(ARGV[1])
if w <= 0 then return {3, w, t} end
if amount > 0 and ARGV[2] == '0' and t < amount then return {4, w, t} end
if amount > 0 and w < amount then return {5, w, t} end
if amount ~= 0 then
  w = redis.call('DECRBY', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[3])
  if has_t then
    t = redis.call('DECRBY', KEYS[2], ARGV[1])
    redis.call('SADD', KEYS[4], ARGV[4])
  end
end
return {0, w, t}
"""
)
# KEYS: wallet, key, dirty:u, dirty:t; ARGV: delta, uid, tid ('0': no key), not_after
MOVE = (
    (_LATE_CHECK % "{6, 0, 0}")
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {1, 0, 0} end
local has_t = ARGV[3] ~= '0'
if has_t and redis.call('EXISTS', KEYS[2]) == 0 then return {2, 0, 0} end
local w = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
local t = 0
if has_t then
  t = redis.call('INCRBY', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[3])
end
return {0, w, t}
"""
)
# KEYS: wallet, dirty:u, claim; ARGV: amount, uid, ttl, not_after
CREDIT = (
    (_LATE_CHECK % "6")
    + """
if redis.call('EXISTS', KEYS[3]) == 1 then return 2 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
return 0
"""
)
# KEYS: wallet, dirty:u, claim; ARGV: uid
UNCREDIT = """
local a = redis.call('GET', KEYS[3])
if not a then return 0 end
redis.call('DEL', KEYS[3])
redis.call('DECRBY', KEYS[1], a)
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
