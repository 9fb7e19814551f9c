import { HELPERS } from './redis-session.scripts';

/**
 * A location report's store step in one script (KEYS as in redis-session.scripts.ts; on one Redis node
 * also KEYS[6] the activity index and KEYS[7] the pending triggers, refreshed and recorded in the same
 * step).
 *
 * ARGV: now, idleMs, keyTtlMs, ip, userAgent, ipPolicy, id, lat, lon, then the triggers of the places
 * the location is inside → {0} gone | {-1} ip mismatch (nothing written) | {1, ipChanged, triggers}.
 * With KEYS[7], `triggers` are those newly marked in the once-set, each recorded pending (`id|trigger`,
 * NX: a pending one keeps its time) in the same step. Without it (a Cluster), nothing is marked:
 * `triggers` are those not marked yet, which the adapter records in their own slot and then marks
 * (MARK_TRIGGERS), so a trigger is durable before its mark.
 */
export const REPORT_LOCATION =
  HELPERS +
  `
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
if not is_live(now, idle) then return {0} end
local changed = touch_session(ARGV[1], ARGV[4], ARGV[5], ARGV[6])
if changed == -1 then return {-1} end
redis.call('HSET', KEYS[1], 'lastLat', ARGV[8], 'lastLon', ARGV[9])
local found = {}
for i = 10, #ARGV do
  if KEYS[7] then
    if redis.call('SADD', KEYS[4], ARGV[i]) == 1 then
      redis.call('ZADD', KEYS[7], 'NX', ARGV[1], ARGV[7] .. '|' .. ARGV[i])
      found[#found + 1] = ARGV[i]
    end
  elseif redis.call('SISMEMBER', KEYS[4], ARGV[i]) == 0 then
    found[#found + 1] = ARGV[i]
  end
end
expire_all(tonumber(ARGV[3]))
refresh_index(ARGV[1], ARGV[7])
return {1, changed, found}
`;

/**
 * The Cluster's last step of a location report, once the triggers are recorded: ARGV: now, idleMs, then
 * the markers → 1 marked, 0 gone (nothing marked).
 */
export const MARK_TRIGGERS =
  HELPERS +
  `
if not is_live(tonumber(ARGV[1]), tonumber(ARGV[2])) then return 0 end
for i = 3, #ARGV do redis.call('SADD', KEYS[4], ARGV[i]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
return 1
`;
