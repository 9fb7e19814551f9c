import { describeLeaseContract } from './lease.contract';
import { MemoryLease } from './memory-lease';

describeLeaseContract(MemoryLease.name, () => {
  let now = 1_000_000;
  return Promise.resolve({
    sut: new MemoryLease({ now: () => now }),
    elapse: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
    cleanup: () => Promise.resolve(),
  });
});
