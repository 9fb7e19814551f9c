/**
 * Other nginx configurations in front of the same instances, made from deploy/nginx.conf as rendered
 * for the local cluster, to show what the service's own stream headers do.
 */

/**
 * Without its `proxy_buffering off` lines (buffering at nginx's default, on) and compressing every
 * response type. Buffered, a gzipped stream stays in gzip's buffers until the response ends; the
 * app's `X-Accel-Buffering: no` switches buffering off, and each write is then flushed through gzip.
 */
export function atDefaultBufferingWithGzip(config: string): string {
  const stripped = config.replace(/^\s*proxy_buffering off;\n/gm, '');
  if (stripped.includes('proxy_buffering')) throw new Error('a proxy_buffering line is left');
  return stripped.replace(/^http \{$/m, 'http {\n    gzip on;\n    gzip_types *;');
}

/** The same, told to ignore the app's `X-Accel-Buffering`: the control that buffering holds streams. */
export function ignoringXAccelBuffering(config: string): string {
  return atDefaultBufferingWithGzip(config).replace(
    /^(\s*)proxy_http_version 1\.1;$/m,
    '$&\n$1proxy_ignore_headers X-Accel-Buffering;',
  );
}
