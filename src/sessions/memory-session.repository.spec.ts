import { MemorySessionRepository } from './memory-session.repository';
import { CONTRACT_SETTINGS, describeSessionRepositoryContract } from './session.repository.contract';

describeSessionRepositoryContract(MemorySessionRepository.name, () =>
  Promise.resolve({ sut: new MemorySessionRepository(CONTRACT_SETTINGS), cleanup: () => Promise.resolve() }),
);
