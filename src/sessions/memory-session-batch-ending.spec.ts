import { MemorySessionBatchEnding } from './memory-session-batch-ending';
import { MemorySessionRepository } from './memory-session.repository';
import { CONTRACT_SETTINGS } from './session-contract.fixtures';
import { BatchEndingSubject, describeBatchEndingContract } from './session-batch-ending.contract';

describeBatchEndingContract(MemorySessionBatchEnding.name, (): Promise<BatchEndingSubject> => {
  const sessions = new MemorySessionRepository(CONTRACT_SETTINGS);
  return Promise.resolve({
    sut: new MemorySessionBatchEnding(sessions),
    sessions,
    idsWithKeys: async (ids) => {
      const kept: string[] = [];
      for (const id of ids) if ((await sessions.snapshot(id)) !== null) kept.push(id);
      return kept;
    },
    cleanup: () => Promise.resolve(),
  });
});
