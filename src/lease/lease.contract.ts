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

    it('lets its holder extend it, and no one else', async () => {
      const { sut, elapse } = subject;
      const holder = await sut.acquire('sweep', 50);
      expect(await sut.renew('sweep', 'not-the-token', 10_000)).toBe(false);
      expect(await sut.renew('sweep', holder!, 10_000)).toBe(true);
      await elapse(80);
      expect(await sut.acquire('sweep', 50)).toBeNull();
      expect(await sut.renew('sweep', holder!, 10_000)).toBe(true);
      await sut.release('sweep', holder!);
      expect(await sut.acquire('sweep', 50)).not.toBeNull();
    });

    it('refuses to extend a lease that ran out (another holder may have it by now)', async () => {
      const { sut, elapse } = subject;
      const late = await sut.acquire('sweep', 50);
      await elapse(80);
      expect(await sut.renew('sweep', late!, 10_000)).toBe(false);
      const next = await sut.acquire('sweep', 10_000);
      expect(next).not.toBeNull();
      expect(await sut.renew('sweep', late!, 10_000)).toBe(false);
      expect(await sut.renew('sweep', next!, 10_000)).toBe(true);
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
