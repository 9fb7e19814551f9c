/**
 * The query rate limit's algorithm in Lua (that of @nest-lab/throttler-storage-redis, which it replaced,
 * with its key names): `rate_limit(hitsKey, blockedKey, ttlMs, limit, blockMs)` →
 * {totalHits, msToExpire, blocked (1|0), msToUnblock}. Used by the throttler's storage, and inside the
 * query path's first script when the limit goes with it (redis-query.scripts.ts).
 */
export const RATE_LIMIT_HELPER = `
local function rate_limit(hits_key, blocked_key, ttl, limit, block)
  local hits = redis.call('INCR', hits_key)
  local expires = redis.call('PTTL', hits_key)
  if expires <= 0 then
    redis.call('PEXPIRE', hits_key, ttl)
    expires = ttl
  end
  local blocked = redis.call('GET', blocked_key)
  local unblocks = 0
  if blocked then
    unblocks = redis.call('PTTL', blocked_key)
  elseif hits > limit then
    redis.call('SET', blocked_key, 1, 'PX', block)
    blocked = '1'
    unblocks = block
  end
  if blocked and unblocks <= 0 then
    redis.call('DEL', blocked_key)
    redis.call('SET', hits_key, 1, 'PX', ttl)
    hits, expires, blocked = 1, ttl, false
  end
  return {hits, expires, blocked and 1 or 0, unblocks}
end
`;

/** KEYS: hits, blocked. ARGV: ttlMs, limit, blockMs → rate_limit's reply. */
export const RATE_LIMIT =
  RATE_LIMIT_HELPER +
  `
return rate_limit(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
`;

/** The keys of one rate-limit budget, under one hash tag. */
export function rateLimitKeys(
  prefixed: (part: string) => string,
  key: string,
  name: string,
): [string, string] {
  const tag = prefixed(`rl:{${key}:${name}}`);
  return [`${tag}:hits`, `${tag}:blocked`];
}
