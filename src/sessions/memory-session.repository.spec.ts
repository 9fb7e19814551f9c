import { MemorySessionRepository } from './memory-session.repository';
import {
  CONTRACT_SETTINGS,
  ContractSubject,
  describeSessionRepositoryContract,
} from './session.repository.contract';
import { describeIdempotencyContract } from './session-idempotency.contract';
import { describeTriggersContract } from './session-triggers.contract';

const make = (): Promise<ContractSubject> =>
  Promise.resolve({ sut: new MemorySessionRepository(CONTRACT_SETTINGS), cleanup: () => Promise.resolve() });

describeSessionRepositoryContract(MemorySessionRepository.name, make);
describeIdempotencyContract(MemorySessionRepository.name, make);
describeTriggersContract(MemorySessionRepository.name, make);
