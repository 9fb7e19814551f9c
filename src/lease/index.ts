export { LEASE } from './lease';
export type { Lease } from './lease';
export { LeaseModule } from './lease.module';
