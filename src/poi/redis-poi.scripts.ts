/**
 * Lua scripts of the Redis POI adapter. Every key of the set carries the `{poi}` hash tag, so one script
 * can touch them all on Redis Cluster.
 */

/**
 * Reads one search atomically (the GEO index and the details hash together), so a concurrent replaceAll
 * never yields ids without details.
 * KEYS: geo, data, maxRadius. ARGV: lon, lat, radius in metres or 'max' (the set's largest POI radius),
 * count (0 = no limit), metres added to the radius. Returns the JSON details, nearest first.
 */
export const SEARCH_SCRIPT = `
local radius = ARGV[3]
if radius == 'max' then
  radius = redis.call('GET', KEYS[3])
  if not radius then return {} end
end
radius = tonumber(radius) + tonumber(ARGV[5])
local search = {'GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', radius, 'm', 'ASC'}
if tonumber(ARGV[4]) > 0 then
  table.insert(search, 'COUNT')
  table.insert(search, ARGV[4])
end
local ids = redis.call(unpack(search))
local details = {}
-- HMGET in slices: unpack() of a very long list would overflow the Lua stack.
for first = 1, #ids, 500 do
  local slice = {}
  for i = first, math.min(first + 499, #ids) do slice[#slice + 1] = ids[i] end
  local values = redis.call('HMGET', KEYS[2], unpack(slice))
  for i = 1, #slice do details[#details + 1] = values[i] end
end
return details
`;

/**
 * Swaps a fully built set in (or empties the set), in one step.
 * KEYS: next geo, next data, geo, data, maxRadius. ARGV: expected count, max radius.
 */
export const SWAP_SCRIPT = `
local expected = tonumber(ARGV[1])
if expected == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  return 0
end
if redis.call('ZCARD', KEYS[1]) ~= expected or redis.call('HLEN', KEYS[2]) ~= expected then
  redis.call('DEL', KEYS[1], KEYS[2])
  return redis.error_reply('POI set build incomplete (expired or interrupted); nothing replaced')
end
redis.call('RENAME', KEYS[1], KEYS[3])
redis.call('RENAME', KEYS[2], KEYS[4])
-- The build keys had a TTL so that an interrupted build cannot leak; the live set must not expire.
redis.call('PERSIST', KEYS[3])
redis.call('PERSIST', KEYS[4])
redis.call('SET', KEYS[5], ARGV[2])
return expected
`;
