import { RedisStore } from '../store';
import { MemoryUsage } from './session.repository';

/**
 * Bytes Redis uses and its limit. On a Cluster, the fullest master speaks for all, as it runs out of
 * memory first: the highest share of its `maxmemory` among masters that have one, else the most bytes used.
 */
export async function fullestMemoryUsage(store: RedisStore): Promise<MemoryUsage> {
  const nodes = (await store.infoPerNode('memory')).map((info): MemoryUsage => {
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const limit = field('maxmemory');
    return { used: field('used_memory'), limit: limit > 0 ? limit : null };
  });
  const limited = nodes.filter((node) => node.limit !== null);
  const fullness = (node: MemoryUsage) => (node.limit === null ? node.used : node.used / node.limit);
  return (limited.length > 0 ? limited : nodes).reduce((fullest, node) =>
    fullness(node) > fullness(fullest) ? node : fullest,
  );
}

/** Approximate bytes a set of keys occupies (MEMORY USAGE; 0 for a key that does not exist). */
export async function bytesOfKeys(store: RedisStore, keys: string[]): Promise<number> {
  const sizes = await Promise.all(
    keys.map((key) => store.run((client) => client.call('MEMORY', 'USAGE', key))),
  );
  return sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
}
