/** The alert thresholds of API.md (ALERT_* variables). */
export interface AlertSettings {
  createRatePerMin: number;
  growthFactor: number;
  /** ALERT_GROWTH_MIN_RATE_PER_MIN: below this creation rate, growth is noise and never alerts. */
  growthMinRatePerMin: number;
  memoryRatio: number;
}

/** The names of the built-in alerts (alerts_firing{name}). */
export const BUILT_IN_ALERTS = ['session_create_rate', 'session_create_growth', 'store_memory'] as const;

/** What the rules look at, gathered once per evaluation. */
export interface AlertInputs {
  /** Sessions created in the last 5 minutes (the current one included). */
  createdLast5Min: number;
  /** Sessions created in the 60 minutes before those 5. */
  createdPrevHour: number;
  memoryUsed: number;
  /** The store's limit (Redis maxmemory, the heap limit, else the configured watermark); null: none. */
  memoryLimit: number | null;
}

export interface Alert {
  name: string;
  message: string;
}

export interface ActiveAlert extends Alert {
  /** ISO time the alert started firing. */
  since: string;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** The alerts whose condition holds now. */
export function firingAlerts(inputs: AlertInputs, settings: AlertSettings): Alert[] {
  const alerts: Alert[] = [];
  const rate = inputs.createdLast5Min / 5;
  const previousRate = inputs.createdPrevHour / 60;
  if (rate > settings.createRatePerMin) {
    alerts.push({
      name: 'session_create_rate',
      message:
        `${round(rate)} sessions created per minute (5-minute average), above ${settings.createRatePerMin}. ` +
        'Look at: sessions_created_total per instance, and the client IPs of the newest sessions in /admin ' +
        '(a client that creates a session per request, a retry loop, a bot).',
    });
  }
  // The floor keeps growth from trivial volumes quiet (6/min after 0.05/min is not an incident); above
  // it, growth from a silent hour counts too.
  if (rate >= settings.growthMinRatePerMin && rate > settings.growthFactor * previousRate) {
    alerts.push({
      name: 'session_create_growth',
      message:
        `creation rate ${round(rate)}/min is over ${settings.growthFactor}x the previous hour's ` +
        `${round(previousRate)}/min. Look at: whether a release, a campaign or an event explains it; the ` +
        'client IPs of the newest sessions in /admin; sessions_ended_total{reason="evicted"} (the cap).',
    });
  }
  if (inputs.memoryLimit !== null && inputs.memoryUsed > settings.memoryRatio * inputs.memoryLimit) {
    const share = Math.round((inputs.memoryUsed / inputs.memoryLimit) * 100);
    alerts.push({
      name: 'store_memory',
      message:
        `store memory at ${share} % of its limit (${inputs.memoryUsed} of ${inputs.memoryLimit} bytes), ` +
        `above ${Math.round(settings.memoryRatio * 100)} %. Look at: sessions_active, the storeBytes of ` +
        'long sessions in /admin, Redis INFO memory; idle sessions are evicted above the high watermark.',
    });
  }
  return alerts;
}

export interface AlertTransitions {
  active: ActiveAlert[];
  fired: ActiveAlert[];
  resolved: ActiveAlert[];
}

/** Compares the alerts firing now with those active before: which started, which ended. */
export function alertTransitions(previous: ActiveAlert[], firing: Alert[], now: string): AlertTransitions {
  const before = new Map(previous.map((alert) => [alert.name, alert]));
  const active = firing.map((alert) => ({ ...alert, since: before.get(alert.name)?.since ?? now }));
  const firingNames = new Set(firing.map((alert) => alert.name));
  return {
    active,
    fired: active.filter((alert) => !before.has(alert.name)),
    resolved: previous.filter((alert) => !firingNames.has(alert.name)),
  };
}
