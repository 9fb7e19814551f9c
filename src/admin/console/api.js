// @ts-check
/** The admin API with the token the person entered; the token stays in this tab's sessionStorage. */

const TOKEN_KEY = 'tourGuideAdminToken';

export class ApiFailure extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @type {() => void} */
let onUnauthorized = () => undefined;

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  /** @param {string} value */
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
  /** @param {() => void} handler called when the API answers 401 */
  onRejected: (handler) => (onUnauthorized = handler),
};

/**
 * Calls the admin API; resolves to the JSON body (null for 204), rejects with ApiFailure carrying the
 * error envelope's code and message.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${token.get() ?? ''}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      // Live figures: never an HTTP-cached (or 304-revalidated) answer.
      cache: 'no-store',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'The service does not answer (network error)');
  }
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (response.ok) return body;
  if (response.status === 401) onUnauthorized();
  const error = body?.error ?? {};
  throw new ApiFailure(
    response.status,
    error.code ?? 'HTTP_' + response.status,
    error.message ?? response.statusText,
  );
}
