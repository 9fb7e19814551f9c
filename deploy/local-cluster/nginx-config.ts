import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** deploy/nginx.conf: the file docker-compose.yml's `lb` runs, and the one rendered here. */
export const NGINX_CONF = join(__dirname, '..', 'nginx.conf');

export interface LocalNginxTarget {
  /** Port the balancer listens on (127.0.0.1). */
  listenPort: number;
  /** Ports of the app instances on 127.0.0.1. */
  upstreamPorts: readonly number[];
  /** A folder of the caller's own for nginx's temp files (nginx runs without root). */
  tempDir: string;
}

/** nginx's temp folders: their compiled-in defaults (/var/lib/nginx/…) need root. */
const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/**
 * deploy/nginx.conf for local ports: the resolver line goes, the `server app:3000 resolve` line becomes
 * one `server 127.0.0.1:<port>` per instance (same parameters), `listen 80` becomes the local port, the
 * access log and the temp paths go into `tempDir`. Every other line is the compose file's own. Each rewrite must find
 * exactly its one line, so the file and this renderer cannot drift apart unnoticed.
 */
export function renderNginxConfig(target: LocalNginxTarget, template = readFileSync(NGINX_CONF, 'utf8')) {
  if (target.upstreamPorts.length === 0) throw new Error('no app instance to balance');
  let text = template;
  text = replaceOnce(text, /^[ \t]*resolver [^;]*;.*\n/m, () => '');
  text = replaceOnce(text, /^([ \t]*)server app:3000 resolve([^;]*);.*$/m, (indent, params) =>
    target.upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${params};`).join('\n'),
  );
  text = replaceOnce(
    text,
    /^([ \t]*)listen 80;.*$/m,
    (indent) => `${indent}listen 127.0.0.1:${target.listenPort};`,
  );
  text = replaceOnce(
    text,
    /^([ \t]*)access_log \S+ (\w+);.*$/m,
    (indent, format) => `${indent}access_log ${join(target.tempDir, 'access.log')} ${format};`,
  );
  text = replaceOnce(text, /^http \{$/m, () =>
    [
      'http {',
      ...TEMP_PATHS.map((name) => `    ${name}_temp_path ${join(target.tempDir, `${name}_temp`)};`),
    ].join('\n'),
  );
  return text;
}

function replaceOnce(text: string, pattern: RegExp, replace: (...groups: string[]) => string): string {
  const matches = [...text.matchAll(new RegExp(pattern.source, `${pattern.flags}g`))];
  if (matches.length !== 1) {
    throw new Error(`deploy/nginx.conf: expected one line matching ${pattern}, found ${matches.length}`);
  }
  const [match] = matches;
  const end = match.index + match[0].length;
  return text.slice(0, match.index) + replace(...match.slice(1)) + text.slice(end);
}
