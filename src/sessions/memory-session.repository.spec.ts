import { MemorySessionRepository } from './memory-session.repository';
import {
  CONTRACT_SETTINGS,
  ContractSubject,
  describeSessionRepositoryContract,
} from './session.repository.contract';
import { describeIdempotencyContract } from './session-idempotency.contract';
import { describeDurabilityContract } from './session-durability.contract';

const make = (): Promise<ContractSubject> =>
  Promise.resolve({ sut: new MemorySessionRepository(CONTRACT_SETTINGS), cleanup: () => Promise.resolve() });

describeSessionRepositoryContract(MemorySessionRepository.name, make);
describeIdempotencyContract(MemorySessionRepository.name, make);
describeDurabilityContract(MemorySessionRepository.name, make);
