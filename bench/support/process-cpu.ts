import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
let ticksPerSecond: number | null = null;

/**
 * CPU time a process has used so far (user + system, all its threads), in microseconds, from
 * /proc/<pid>/stat. Taken before and after a load run, the difference per request is a cost that
 * does not depend on how busy the machine's other cores are, unlike requests per second.
 */
export function cpuMicros(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  // The command name, in parentheses, may hold spaces: the fields are counted after it.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return ((utime + stime) * 1e6) / ticksPerSecond;
}
