import { EventEmitter } from 'node:events';
import { Logger, LoggerService } from '@nestjs/common';
import { ConnectionStateLog, isConnectionError } from './connection-state-log';

describe(ConnectionStateLog.name, () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (message: unknown) => lines.push(`log ${String(message)}`),
    warn: (message: unknown) => lines.push(`warn ${String(message)}`),
    error: (message: unknown) => lines.push(`error ${String(message)}`),
  };
  let now = 1_000;
  const clock = { now: () => now };
  let connection: EventEmitter;
  let sut: ConnectionStateLog;

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(capture);
    connection = new EventEmitter();
    sut = ConnectionStateLog.watch(connection, 'store', clock);
  });
  afterAll(() => Logger.overrideLogger(new Logger()));

  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

  it('logs the first error of an outage and the recovery with its length, nothing in between', () => {
    connection.emit('ready');
    connection.emit('error', refused());
    now += 700;
    connection.emit('error', refused());
    connection.emit('end');
    now += 800;
    connection.emit('ready');
    connection.emit('ready');
    expect(lines).toEqual([
      'warn redis store down: connect ECONNREFUSED 127.0.0.1:6379',
      'log redis store back after 1500 ms',
    ]);
    expect(sut.isDown).toBe(false);
  });

  it('logs a second outage again', () => {
    connection.emit('error', refused());
    connection.emit('ready');
    connection.emit('error', new Error('Connection is closed.'));
    expect(lines.filter((line) => line.startsWith('warn'))).toHaveLength(2);
  });

  it('says nothing about the end of a deliberate close', () => {
    sut.closing();
    connection.emit('end');
    expect(lines).toEqual([]);
  });

  it('names the error code when the error has no message', () => {
    connection.emit('error', Object.assign(new Error(''), { code: 'ECONNRESET' }));
    expect(lines).toEqual(['warn redis store down: ECONNRESET']);
  });
});

describe(isConnectionError.name, () => {
  it('tells a socket failure from a command Redis refused', () => {
    expect(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
