declare module 'cluster-key-slot' {
  /** The Redis Cluster slot of a key (a dependency of ioredis). */
  export default function calculateSlot(key: string): number;
}
