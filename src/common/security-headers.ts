import helmet from 'helmet';

/**
 * helmet's hardening headers, with one Content-Security-Policy: only the service's own script files
 * run (no inline script, no eval, no other origin), which is what /admin, /demo and /docs (Swagger UI
 * loads its scripts as files) need; inline styles stay allowed, they run no code. No
 * `upgrade-insecure-requests`: an instance reached over plain HTTP must still load its own files.
 */
const hardening = helmet({
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

/** helmet's headers as its middleware sets them, recorded once at start-up from a recording response. */
function recordHeaders(): ReadonlyArray<readonly [string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  let done = false;
  hardening({} as never, recorder as never, () => (done = true));
  if (!done) throw new Error('the security headers did not apply to a recording response');
  return headers;
}

const RECORDED = recordHeaders();

/**
 * helmet's headers for every response. With this configuration they depend on nothing in the request
 * (no nonce), so each response gets the recorded list without running helmet's dozen middlewares.
 */
export function securityHeaders(): ReadonlyArray<readonly [string, string]> {
  return RECORDED;
}
