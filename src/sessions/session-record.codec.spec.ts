import { encodeTurn, parseTurn } from './session-record.codec';
import { Turn } from '../domain';

describe('session-record.codec', () => {
  describe('encodeTurn / parseTurn', () => {
    it('writes the compact form and reads it back unchanged', () => {
      const turns: Turn[] = [
        { seq: 1, role: 'user', text: 'Where is the gate?', createdAt: 1_764_590_000_123, hasImage: true },
        { seq: 2, role: 'assistant', text: 'North, "past" the \\ bridge', createdAt: 1_764_590_001_456 },
        { seq: 3, role: 'proactive', text: '', createdAt: 1 },
      ];
      for (const turn of turns) {
        const entry = encodeTurn(turn);
        expect(entry.startsWith(`[${turn.seq},`)).toBe(true);
        expect(parseTurn(entry)).toEqual(turn);
      }
    });

    it('is shorter than the JSON object it replaced', () => {
      const turn: Turn = { seq: 7, role: 'assistant', text: 'x'.repeat(60), createdAt: 1_764_590_000_123 };
      expect(JSON.stringify(turn).length - encodeTurn(turn).length).toBeGreaterThanOrEqual(35);
    });

    it('reads entries written in the old JSON-object form (epoch ms or ISO times)', () => {
      expect(
        parseTurn('{"role":"user","text":"hi","createdAt":1764590000123,"seq":4,"hasImage":true}'),
      ).toEqual({
        seq: 4,
        role: 'user',
        text: 'hi',
        createdAt: 1_764_590_000_123,
        hasImage: true,
      });
      expect(
        parseTurn('{"seq":5,"role":"assistant","text":"yo","createdAt":"2025-12-01T12:00:00.123Z"}'),
      ).toEqual({
        seq: 5,
        role: 'assistant',
        text: 'yo',
        createdAt: Date.parse('2025-12-01T12:00:00.123Z'),
      });
    });
  });
});
