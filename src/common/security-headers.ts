import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's hardening headers on every response, with one Content-Security-Policy: only the service's
 * own script files run (no inline script, no eval, no other origin), which is what /admin, /demo and
 * /docs (Swagger UI loads its scripts as files) need; inline styles stay allowed, they run no code.
 * No `upgrade-insecure-requests`: an instance reached over plain HTTP must still load its own files.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
  });
}
