import { IdempotencyClaim, NewSession, SessionRepository, SessionStoreSettings } from './session.repository';
import { NewTurn } from '../domain';

/** The settings every contract case runs with: times are explicit `now` values, never sleeps. */
export const CONTRACT_SETTINGS: SessionStoreSettings = {
  idleTtlMs: 10_000,
  keyTtlMs: 60_000,
  historyMaxTurns: 6,
  outboxMaxLength: 100,
};

export interface ContractSubject {
  sut: SessionRepository;
  cleanup(): Promise<void>;
}

/** A fresh adapter before each case of the calling `describe` (handed to `use`), cleaned up after it. */
export function eachCaseOn(
  make: () => Promise<ContractSubject>,
  use: (sut: SessionRepository) => unknown,
): void {
  let subject: ContractSubject;
  beforeEach(async () => {
    subject = await make();
    await use(subject.sut);
  });
  afterEach(() => subject.cleanup());
}

let counter = 0;
/** A new session's fields, with an id no other case uses. */
export const newSession = (overrides: Partial<NewSession> = {}): NewSession => ({
  id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  locale: 'zh-CN',
  metadata: { museum: 'palace' },
  clientIp: '10.0.0.1',
  userAgent: 'jest',
  ...overrides,
});
/** An idempotency claim by `token` on `key` with the request's `fingerprint`. */
export const claimBy = (token: string, key = 'key-1', fingerprint = 'fp-1'): IdempotencyClaim => ({
  key,
  fingerprint,
  token,
});

export const turn = (role: NewTurn['role'], text: string, createdAt = 1): NewTurn => ({
  role,
  text,
  createdAt,
});
export const T0 = 1_700_000_000_000;
