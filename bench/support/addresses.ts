/** Loopback source addresses the stream process spreads its connections over (ports per address run out). */
export const SOURCE_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

/** The address session `i` of the stream scenario is created from and streams from. */
export const sourceAddress = (i: number) => SOURCE_ADDRESSES[i % SOURCE_ADDRESSES.length];
