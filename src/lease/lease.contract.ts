import { Lease } from './lease';

export interface LeaseContractSubject {
  sut: Lease;
  /** Lets `ms` pass for the lease: a manual clock in process, a real wait for Redis's own expiry. */
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** One suite, run against every Lease adapter. */
export function describeLeaseContract(name: string, make: () => Promise<LeaseContractSubject>): void {
  describe(`${name} (Lease contract)`, () => {
    let subject: LeaseContractSubject;
    beforeEach(async () => (subject = await make()));
    afterEach(() => subject.cleanup());

    it('has one holder at a time, and frees the lease on release', async () => {
      const { sut } = subject;
      const first = await sut.acquire('sweep', 10_000);
      expect(first).toEqual(expect.any(String));
      expect(await sut.acquire('sweep', 10_000)).toBeNull();
      await sut.release('sweep', first!);
      expect(await sut.acquire('sweep', 10_000)).toEqual(expect.any(String));
    });

    it('ignores a release with another token (a holder whose lease expired)', async () => {
      const { sut } = subject;
      const holder = await sut.acquire('sweep', 10_000);
      await sut.release('sweep', 'not-the-token');
      expect(await sut.acquire('sweep', 10_000)).toBeNull();
      await sut.release('sweep', holder!);
    });

    it('frees itself after its TTL (a crashed holder)', async () => {
      const { sut, elapse } = subject;
      expect(await sut.acquire('sweep', 50)).not.toBeNull();
      expect(await sut.acquire('sweep', 50)).toBeNull();
      await elapse(80);
      expect(await sut.acquire('sweep', 50)).not.toBeNull();
    });

    it('hands out random tokens and keeps names apart', async () => {
      const { sut } = subject;
      const a = await sut.acquire('a', 10_000);
      const b = await sut.acquire('b', 10_000);
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      expect(a).not.toBe(b);
    });
  });
}
