import { HELPERS } from './redis-session.scripts';

/**
 * Lua scripts of a session's idempotency keys (KEYS as in redis-session.scripts.ts; KEYS[5] is the hash
 * key → entry JSON). An entry is `{f, t, u}` while a request holds it (text fingerprint, holder token,
 * held until), `{f, seq, text, createdAt}` once it has its answer (written by APPEND_TURNS with the pair).
 */

/**
 * Claims `key` for the request holding `token` until `until` → {1} claimed | {2, entry} answered | {3,
 * until} held by another request | {4} conflict. The caller sets the keys' TTL afterwards.
 */
export const CLAIM_HELPER = `
local function claim_key(now, key, fingerprint, token, hold_until)
  local held = redis.call('HGET', KEYS[5], key)
  if held then
    local entry = cjson.decode(held)
    if entry.f ~= fingerprint then return {4} end
    if entry.seq then return {2, held} end
    if entry.t ~= token and tonumber(entry.u) > now then return {3, entry.u} end
  end
  redis.call('HSET', KEYS[5], key, cjson.encode({f = fingerprint, t = token, u = hold_until}))
  return {1}
end
`;

/**
 * ARGV: now, idleMs, key, fingerprint, token, until → claim_key's reply, or {0} gone. The keys' hash
 * keeps the TTL of the session's hash.
 */
export const CLAIM_KEY =
  HELPERS +
  CLAIM_HELPER +
  `
local now = tonumber(ARGV[1])
if not is_live(now, tonumber(ARGV[2])) then return {0} end
local reply = claim_key(now, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
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
