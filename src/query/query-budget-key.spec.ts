import type { ExecutionContext } from '@nestjs/common';
import { queryBudgetKey } from './query.module';

const context = {} as ExecutionContext;

describe(queryBudgetKey.name, () => {
  it('names the throttler and the address in clear, one budget for both query routes', () => {
    expect(queryBudgetKey(context, '2001:db8::8a2e:370:7334', 'query')).toBe('query:2001:db8::8a2e:370:7334');
    expect(queryBudgetKey(context, '::ffff:203.0.113.9', 'query')).toBe('query:::ffff:203.0.113.9');
  });

  it('hashes a tracker longer than any address, so a client cannot choose a key of any size', () => {
    const spoofed = 'x'.repeat(10_000);
    const key = queryBudgetKey(context, spoofed, 'query');
    expect(key).toMatch(/^query:#[0-9a-f]{64}$/);
    expect(queryBudgetKey(context, spoofed, 'query')).toBe(key);
    expect(queryBudgetKey(context, `${spoofed}y`, 'query')).not.toBe(key);
  });
});
