import { MemoryStatsRepository } from './memory-stats.repository';
import { describeStatsRepositoryContract } from './stats.repository.contract';

describeStatsRepositoryContract(MemoryStatsRepository.name, () =>
  Promise.resolve({ sut: new MemoryStatsRepository(), cleanup: () => Promise.resolve() }),
);
