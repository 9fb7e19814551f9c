// @ts-check
/** Labels for people, and times in local time with the UTC value on hover. */

/** @type {Record<string, string>} */
export const END_REASON_LABELS = {
  expired: 'Expired (idle too long)',
  evicted: 'Evicted (session cap reached)',
  memory_pressure: 'Evicted (store memory high)',
  client_closed: 'Closed by the app',
  client_reset: 'Reset by the visitor',
  admin_reset: 'Reset by support',
  admin_deleted: 'Deleted by support',
  shutdown: 'Service shut down',
};

/** @type {Record<string, string>} */
export const ALERT_LABELS = {
  session_create_rate: 'Session creation rate high',
  session_create_growth: 'Session creations growing fast',
  store_memory: 'Store memory high',
};

/** @type {Record<string, string>} */
export const FLAG_LABELS = { ip_changed: 'IP address changed' };

/** @type {Record<string, string>} */
export const ROLE_LABELS = { user: 'Visitor', assistant: 'Guide', proactive: 'Guide (proactive)' };

/** @param {Record<string, string>} labels @param {string} key */
export const labelOf = (labels, key) => labels[key] ?? key.replace(/_/g, ' ');

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const numbers = new Intl.NumberFormat();

/** @param {string} iso */
export const localDateTime = (iso) => dateTime.format(new Date(iso));
/** @param {string} iso */
export const localHourMinute = (iso) => timeOnly.format(new Date(iso));
/** @param {number} n */
export const count = (n) => numbers.format(n);

/** "3 min ago", "in 4 h" @param {string} iso */
export function relative(iso) {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.round(abs / 60), 'min']
        : abs < 86400
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86400), 'd'];
  if (abs < 5) return 'just now';
  return seconds < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** 0 s, 42 s, 12 min, 3 h 20 min @param {number} seconds */
export function duration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}

/** @param {number} n */
export function bytes(n) {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]} (${numbers.format(n)} bytes)`;
}
