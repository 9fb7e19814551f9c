import { describeLeaseContract } from './lease.contract';
import { MemoryLease } from './memory-lease';

describeLeaseContract(MemoryLease.name, () =>
  Promise.resolve({ sut: new MemoryLease(), cleanup: () => Promise.resolve() }),
);
