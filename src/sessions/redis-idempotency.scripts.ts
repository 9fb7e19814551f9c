import { HELPERS } from './redis-session.scripts';

/**
 * Lua scripts of a session's idempotency keys (KEYS as in redis-session.scripts.ts; KEYS[5] is the hash
 * key → entry JSON). An entry is `{f, t, u}` while a request holds it (text fingerprint, holder token,
 * held until), `{f, seq, text, createdAt}` once it has its answer (written by APPEND_TURNS with the pair).
 */

/**
 * ARGV: now, idleMs, key, fingerprint, token, until → {1} claimed | {2, entry} answered | {3, until} held
 * by another request | {4} conflict | {0} gone. The keys' hash keeps the TTL of the session's hash.
 */
export const CLAIM_KEY =
  HELPERS +
  `
local now = tonumber(ARGV[1])
if not is_live(now, tonumber(ARGV[2])) then return {0} end
local reply
local held = redis.call('HGET', KEYS[5], ARGV[3])
if held then
  local entry = cjson.decode(held)
  if entry.f ~= ARGV[4] then reply = {4}
  elseif entry.seq then reply = {2, held}
  elseif entry.t ~= ARGV[5] and tonumber(entry.u) > now then reply = {3, entry.u}
  end
end
if not reply then
  redis.call('HSET', KEYS[5], ARGV[3], cjson.encode({f = ARGV[4], t = ARGV[5], u = ARGV[6]}))
  reply = {1}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[5], ttl) end
return reply
`;

/** ARGV: key, token → 1 released, 0 not held by that token (or answered already). */
export const RELEASE_KEY = `
local held = redis.call('HGET', KEYS[5], ARGV[1])
if not held then return 0 end
local entry = cjson.decode(held)
if entry.seq or entry.t ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
`;
