import { AppConfig } from '../config/app-config';
import { AppLogger } from './app-logger';
import { createRootLogger } from './root-logger';

interface Line {
  level: number;
  msg: string;
  context?: string;
  sessionId?: string;
  err: { message: string; stack: string };
}

function capturedRoot(level: AppConfig['logLevel'] = 'info') {
  const lines: Line[] = [];
  const root = createRootLogger(
    { logLevel: level },
    {
      write: (s: string) => lines.push(JSON.parse(s)),
    },
  );
  return { root, lines };
}

describe(AppLogger.name, () => {
  it('writes a message with its context, and an object message merged into the line', () => {
    const { root, lines } = capturedRoot();
    const sut = new AppLogger(root);
    sut.log('started', 'Boot');
    sut.warn(
      { msg: 'session IP changed', sessionId: '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
      'SessionLifecycle',
    );
    expect(lines[0]).toMatchObject({
      level: 30,
      context: 'Boot',
      msg: 'started',
      service: 'tour-guide-sessions',
    });
    expect(lines[1]).toMatchObject({ level: 40, context: 'SessionLifecycle', msg: 'session IP changed' });
    expect(lines[1].sessionId).toBe('3f1b2c4d…');
  });

  it('logs an Error as err with its stack, and Nest’s (message, stack, context) contract the same way', () => {
    const { root, lines } = capturedRoot();
    const sut = new AppLogger(root);
    sut.error(new Error('boom'), 'Jobs');
    sut.error('handler failed', 'Error: handler failed\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Jobs', err: { message: 'boom' } });
    expect(lines[0].err.stack).toContain('Error: boom');
    expect(lines[1]).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'handler failed' } });
    expect(lines[1].err.stack).toContain('at somewhere');
  });

  it('writes nothing below the configured level', () => {
    const { root, lines } = capturedRoot('warn');
    const sut = new AppLogger(root);
    sut.log('quiet', 'Boot');
    sut.debug({ msg: 'quieter' }, 'Boot');
    sut.warn('loud', 'Boot');
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });
});
