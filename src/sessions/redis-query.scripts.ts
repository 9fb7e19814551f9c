import { RATE_LIMIT_HELPER } from '../store';
import { CLAIM_HELPER } from './redis-idempotency.scripts';
import { HELPERS } from './redis-session.scripts';

/**
 * The query path's store step before the model call, in one script (KEYS as in redis-session.scripts.ts,
 * KEYS[6] optional: the activity index). The step after it is APPEND_TURNS.
 *
 * ARGV: now, idleMs, keyTtlMs, ip, userAgent, ipPolicy, id, lat ('' = none), lon, contextTurns,
 * idempotency key ('' = none), fingerprint, token, until, then with a rate-limit charge (KEYS[7], [8]:
 * its hits and blocked keys; one Redis node only) ttlMs, limit, blockMs →
 * {-2, msToUnblock} over the limit (nothing else done) |
 * {0} gone | {-1} ip mismatch | {1, ipChanged, fields, pending, entries, claim}, where `fields` (the
 * hash's HGETALL) and `entries` (the history entries, themselves JSON) come as one JSON array text each,
 * parsed in one call rather than item by item, and `claim` is claim_key's reply ({} without a key). Touch first (a repeat is activity too); the location is stored and
 * the last `contextTurns` history entries read only when the query will ask the model: without a key, or
 * with the key claimed.
 */
export const BEGIN_QUERY =
  HELPERS +
  CLAIM_HELPER +
  RATE_LIMIT_HELPER +
  `
if KEYS[7] then
  local limited = rate_limit(KEYS[7], KEYS[8], tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]))
  if limited[3] == 1 then return {-2, limited[4]} end
end
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
if not is_live(now, idle) then return {0} end
local changed = touch_session(ARGV[1], ARGV[4], ARGV[5], ARGV[6])
if changed == -1 then return {-1} end
local claim = {}
if ARGV[11] ~= '' then claim = claim_key(now, ARGV[11], ARGV[12], ARGV[13], ARGV[14]) end
local entries = {}
if ARGV[11] == '' or claim[1] == 1 then
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'lastLat', ARGV[8], 'lastLon', ARGV[9]) end
  local n = tonumber(ARGV[10])
  if n > 0 then entries = redis.call('LRANGE', KEYS[2], -n, -1) end
end
expire_all(tonumber(ARGV[3]))
refresh_index(ARGV[1], ARGV[7])
return {1, changed, cjson.encode(redis.call('HGETALL', KEYS[1])), pending(), '[' .. table.concat(entries, ',') .. ']',
  claim}
`;
