import { MemorySessionRepository } from './memory-session.repository';
import { CONTRACT_SETTINGS, ContractSubject } from './session-contract.fixtures';
import { describeSessionRepositoryContract } from './session.repository.contract';
import { describeLifecycleContract } from './session-lifecycle.contract';
import { describeOutboxContract } from './session-outbox.contract';
import { describeIdempotencyContract } from './session-idempotency.contract';
import { describeDurabilityContract } from './session-durability.contract';
import { describeQueryContract } from './session-query.contract';
import { describeLocationContract } from './session-location.contract';

const make = (): Promise<ContractSubject> =>
  Promise.resolve({ sut: new MemorySessionRepository(CONTRACT_SETTINGS), cleanup: () => Promise.resolve() });

describeSessionRepositoryContract(MemorySessionRepository.name, make);
describeLifecycleContract(MemorySessionRepository.name, make);
describeOutboxContract(MemorySessionRepository.name, make);
describeIdempotencyContract(MemorySessionRepository.name, make);
describeDurabilityContract(MemorySessionRepository.name, make);
describeQueryContract(MemorySessionRepository.name, make);
describeLocationContract(MemorySessionRepository.name, make);
