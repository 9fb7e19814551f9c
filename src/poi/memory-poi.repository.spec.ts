import { MemoryPoiRepository } from './memory-poi.repository';
import { describePoiRepositoryContract } from './poi.repository.contract';

describePoiRepositoryContract(MemoryPoiRepository.name, () =>
  Promise.resolve({ repository: new MemoryPoiRepository(), cleanup: () => Promise.resolve() }),
);
