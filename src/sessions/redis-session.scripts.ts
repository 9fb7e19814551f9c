/**
 * Lua scripts of the Redis session adapter. Every script touching a session gets the same KEYS:
 * [hash, history list, outbox stream, one-time marker set, idempotency keys], all under one hash tag, so
 * it runs in one Cluster slot. Each write checks that the session exists, is not ending and is not past its idle TTL
 * before it writes, and refreshes the TTL of the keys it writes: nothing is read-modify-written from Node.
 */

export const HELPERS = `
local function is_live(now, idle)
  local v = redis.call('HMGET', KEYS[1], 'lastActivityAt', 'endReason')
  if not v[1] or v[2] then return false end
  return tonumber(v[1]) + idle >= now
end
local function expire_all(ttl)
  for i = 1, math.min(#KEYS, 5) do redis.call('PEXPIRE', KEYS[i], ttl) end
end
-- KEYS[6], when given, is the activity index (one Redis node only: on a Cluster it lives in another
-- slot, and the adapter refreshes it with a command of its own). XX: never adds an entry back.
local function refresh_index(now, id)
  if KEYS[6] then redis.call('ZADD', KEYS[6], 'XX', now, id) end
end
-- Client activity on a live session: the IP policy, the user agent, lastActivityAt → 1 | 0 | -1 rejected.
local function touch_session(now, ip, ua, policy)
  local changed = 0
  if ip ~= '' then
    local old = redis.call('HGET', KEYS[1], 'clientIp') or ''
    if old ~= '' and old ~= ip and policy ~= 'off' then
      if policy == 'reject' then return -1 end
      changed = 1
      local flags = redis.call('HGET', KEYS[1], 'flags') or ''
      if not string.find(',' .. flags .. ',', ',ip_changed,', 1, true) then
        if flags == '' then flags = 'ip_changed' else flags = flags .. ',ip_changed' end
        redis.call('HSET', KEYS[1], 'flags', flags)
      end
    end
    redis.call('HSET', KEYS[1], 'clientIp', ip)
  end
  if ua ~= '' then redis.call('HSET', KEYS[1], 'userAgent', ua) end
  redis.call('HSET', KEYS[1], 'lastActivityAt', now)
  return changed
end
local function id_parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if not ms then return 0, 0 end
  return tonumber(ms), tonumber(seq)
end
local function id_after(a, b)
  local am, as = id_parts(a)
  local bm, bs = id_parts(b)
  return am > bm or (am == bm and as > bs)
end
local function pending()
  local ack = redis.call('HGET', KEYS[1], 'ackCursor') or '0'
  local start = '-'
  if ack ~= '0' then start = '(' .. ack end
  return #redis.call('XRANGE', KEYS[3], start, '+', 'COUNT', 1000)
end
local role_codes = {user = 0, assistant = 1, proactive = 2}
-- A TTL this close to full was set by the step just before (BEGIN_QUERY's refresh).
local TTL_FRESH_MS = 1000
-- The turns (at least one) in one RPUSH, numbered after lastSeq; trimmed to max_turns only when
-- past it. Returns their seqs and the counters to write: {'lastSeq', n, 'turnCount', n}.
local function append_turns(turns, max_turns)
  local c = redis.call('HMGET', KEYS[1], 'lastSeq', 'turnCount')
  local seq, count = tonumber(c[1]) or 0, tonumber(c[2]) or 0
  local entries, seqs = {}, {}
  for i, turn in ipairs(turns) do
    seq = seq + 1
    turn.seq, seqs[i] = seq, seq
    local entry = {seq, role_codes[turn.role], turn.createdAt, turn.text}
    if turn.hasImage then entry[5] = 1 end
    entries[i] = cjson.encode(entry)
  end
  if redis.call('RPUSH', KEYS[2], unpack(entries)) > max_turns then
    redis.call('LTRIM', KEYS[2], -max_turns, -1)
  end
  return seqs, {'lastSeq', seq, 'turnCount', count + #turns}
end
`;

/** ARGV: now, keyTtlMs, locale, metadataJson, clientIp, userAgent → 1 created, 0 id taken. */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'createdAt', ARGV[1], 'lastActivityAt', ARGV[1], 'locale', ARGV[3],
  'metadata', ARGV[4], 'clientIp', ARGV[5], 'userAgent', ARGV[6], 'flags', '', 'turnCount', 0,
  'lastSeq', 0, 'generation', 0, 'ackCursor', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * KEYS: activity index, ending set, pending triggers. ARGV: id, now, cap, trigger ('' = none) → the
 * evicted ids (moved to the ending set). The trigger is recorded in the same step as the admission.
 */
export const INDEX_ADD_WITH_CAP = `
local cap = tonumber(ARGV[3])
local victims = {}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local n = redis.call('ZCARD', KEYS[1])
  if n >= cap then
    victims = redis.call('ZRANGE', KEYS[1], 0, n - cap)
    for _, victim in ipairs(victims) do
      redis.call('ZREM', KEYS[1], victim)
      redis.call('ZADD', KEYS[2], ARGV[2], victim)
    end
  end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], 'NX', ARGV[2], ARGV[1] .. '|' .. ARGV[4]) end
return victims
`;

/** → {hash fields, pending count}; empty when the hash is gone. */
export const READ =
  HELPERS +
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return {redis.call('HGETALL', KEYS[1]), pending()}
`;

/**
 * ARGV: now, idleMs, keyTtlMs, ip, userAgent, ipPolicy, id → {1, ipChanged, fields, pending} | {0} gone |
 * {-1} ip mismatch. KEYS[6] (optional): the activity index, refreshed in the same step.
 */
export const TOUCH =
  HELPERS +
  `
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
if not is_live(now, idle) then return {0} end
local changed = touch_session(ARGV[1], ARGV[4], ARGV[5], ARGV[6])
if changed == -1 then return {-1} end
expire_all(tonumber(ARGV[3]))
refresh_index(ARGV[1], ARGV[7])
return {1, changed, redis.call('HGETALL', KEYS[1]), pending()}
`;

/**
 * ARGV: now, idleMs, keyTtlMs, maxTurns, touch (1|0), turns JSON array, idempotency key ('' = none),
 * text fingerprint, id → {1, seqs} stored | {2, entry JSON} the key's answer, nothing stored | nil when
 * gone. With a key, the last turn is recorded as its answer in the same step: one pair per key, ever.
 * KEYS[6] (optional): the activity index, refreshed in the same step when `touch`.
 */
export const APPEND_TURNS =
  HELPERS +
  `
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
if not is_live(now, idle) then return false end
local key = ARGV[7]
if key ~= '' then
  local held = redis.call('HGET', KEYS[5], key)
  if held and cjson.decode(held).seq then return {2, held} end
end
local turns = cjson.decode(ARGV[6])
local seqs, counters = append_turns(turns, tonumber(ARGV[4]))
if key ~= '' then
  local answer = turns[#turns]
  redis.call('HSET', KEYS[5], key,
    cjson.encode({f = ARGV[8], seq = answer.seq, text = answer.text, createdAt = answer.createdAt}))
end
local touch, full = ARGV[5] == '1', tonumber(ARGV[3])
if touch then
  table.insert(counters, 'lastActivityAt')
  table.insert(counters, ARGV[1])
  refresh_index(ARGV[1], ARGV[9])
end
redis.call('HSET', KEYS[1], unpack(counters))
local ttl = redis.call('PTTL', KEYS[1])
if touch and ttl < full - TTL_FRESH_MS then
  expire_all(full)
else
  -- The keys written here: without touch, to the hash's TTL; with touch, just after BEGIN_QUERY's
  -- refresh, to the full TTL every other key has but for the moments since.
  if touch then ttl = full end
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
    if key ~= '' then redis.call('PEXPIRE', KEYS[5], ttl) end
  end
end
return {1, seqs}
`;

/**
 * ARGV: now, idleMs, maxTurns, outboxMaxLen, kind, text, poiId, createdAt, deliveryKey ('' = none) →
 * {message id, id of the entry before it ('0': none)}, or nil when gone or when the delivery key is
 * already in the once-set. The message is also a `proactive` turn in history (append_turns' entry and
 * counters). A broadcast runs this once per session, so it is written lean, without HELPERS: one HMGET
 * for the liveness check, the counters and the stream's last id (`lastMessageId`, kept in the hash; a
 * hash written before it had none, and then the stream is read instead), one HSET for all three, LTRIM
 * only past maxTurns. Each call from Lua costs about as much as the command itself: dropping the
 * XREVRANGE took a quarter off the script's time per session. Every change of the hash's TTL sets the
 * TTL of all of a session's keys, so a key that existed already has it: only the keys this call may
 * have created get a PEXPIRE (the history list, the stream, the once-set).
 */
export const PUSH_MESSAGE = `
local v = redis.call('HMGET', KEYS[1], 'lastActivityAt', 'endReason', 'lastSeq', 'turnCount', 'lastMessageId')
if not v[1] or v[2] or tonumber(v[1]) + tonumber(ARGV[2]) < tonumber(ARGV[1]) then return false end
local key = ARGV[9]
if key ~= '' and redis.call('SADD', KEYS[4], 'sent:' .. key) == 0 then return false end
local last = v[5]
if not last then
  local entry = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)[1]
  last = entry and entry[1]
end
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'kind', ARGV[5], 'text', ARGV[6],
  'poiId', ARGV[7], 'createdAt', ARGV[8])
local seq = (tonumber(v[3]) or 0) + 1
-- role code 2: proactive (role_codes of HELPERS)
local turns = redis.call('RPUSH', KEYS[2], cjson.encode({seq, 2, tonumber(ARGV[8]), ARGV[6]}))
local max_turns = tonumber(ARGV[3])
if turns > max_turns then redis.call('LTRIM', KEYS[2], -max_turns, -1) end
redis.call('HSET', KEYS[1], 'lastSeq', seq, 'turnCount', (tonumber(v[4]) or 0) + 1, 'lastMessageId', id)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  if turns == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
  if not last then redis.call('PEXPIRE', KEYS[3], ttl) end
  if key ~= '' then redis.call('PEXPIRE', KEYS[4], ttl) end
end
return {id, last or '0'}
`;

/** ARGV: after ('' = acknowledged cursor), limit → {entries, pending, the cursor read after}; {} when gone. */
export const READ_MESSAGES =
  HELPERS +
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local from = ARGV[1]
if from == '' then from = redis.call('HGET', KEYS[1], 'ackCursor') or '0' end
local start = '-'
if from ~= '0' then start = '(' .. from end
return {redis.call('XRANGE', KEYS[3], start, '+', 'COUNT', ARGV[2]), pending(), from}
`;

/** ARGV: cursor. Moves the acknowledged cursor forward only; never creates a hash. */
export const ACKNOWLEDGE =
  HELPERS +
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ack = redis.call('HGET', KEYS[1], 'ackCursor') or '0'
if id_after(ARGV[1], ack) then redis.call('HSET', KEYS[1], 'ackCursor', ARGV[1]) end
return 1
`;

/** ARGV: expectedLastSeq, now, idleMs, keyTtlMs, touch (1|0) → {1, fields, pending} | {0} gone | {-1} changed. */
export const CLEAR_CONVERSATION =
  HELPERS +
  `
if not is_live(tonumber(ARGV[2]), tonumber(ARGV[3])) then return {0} end
if redis.call('HGET', KEYS[1], 'lastSeq') ~= ARGV[1] then return {-1} end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HDEL', KEYS[1], 'lastMessageId')
redis.call('HSET', KEYS[1], 'turnCount', 0)
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[2]) end
redis.call('HINCRBY', KEYS[1], 'generation', 1)
expire_all(tonumber(ARGV[4]))
return {1, redis.call('HGETALL', KEYS[1]), 0}
`;

/** ARGV: reason, now, idleMs, mode (live|expired|any) → the end reason now in force, or nil. */
export const MARK_ENDED = `
local v = redis.call('HMGET', KEYS[1], 'lastActivityAt', 'endReason')
if not v[1] then return false end
if v[2] then return v[2] end
local expired = tonumber(v[1]) + tonumber(ARGV[3]) < tonumber(ARGV[2])
if ARGV[4] == 'live' and expired then return false end
if ARGV[4] == 'expired' and not expired then return false end
redis.call('HSET', KEYS[1], 'endReason', ARGV[1], 'endedAt', ARGV[2])
return ARGV[1]
`;

/** → {hash fields, history entries}; {} when gone. */
export const SNAPSHOT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
`;

/**
 * ARGV: limit, before ('' = newest) → {entries, hasOlder}. Seqs in the list are consecutive; an entry is
 * compact (`[seq, …]`) or, written before that form, a JSON object with `seq`.
 */
export const HISTORY_PAGE = `
local len = redis.call('LLEN', KEYS[2])
if len == 0 then return {{}, 0} end
local last = len - 1
if ARGV[2] ~= '' then
  local first = cjson.decode(redis.call('LINDEX', KEYS[2], 0))
  local first_seq = first.seq or first[1]
  last = math.min(len - 1, tonumber(ARGV[2]) - first_seq - 1)
end
if last < 0 then return {{}, 0} end
local from = math.max(0, last - tonumber(ARGV[1]) + 1)
local older = 0
if from > 0 then older = 1 end
return {redis.call('LRANGE', KEYS[2], from, last), older}
`;

/** ARGV: now, keyTtlMs, then HSET field/value pairs; history entries follow after a '--' marker. */
export const RESTORE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local i = 3
while ARGV[i] ~= '--' do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for j = i + 1, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[j]) end
for k = 1, #KEYS do redis.call('PEXPIRE', KEYS[k], ARGV[2]) end
return 1
`;

/** ARGV: marker, now, idleMs → 1 the first time the marker is set, 0 already set or gone. */
export const MARK_ONCE =
  HELPERS +
  `
if not is_live(tonumber(ARGV[2]), tonumber(ARGV[3])) then return 0 end
local added = redis.call('SADD', KEYS[4], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
return added
`;
