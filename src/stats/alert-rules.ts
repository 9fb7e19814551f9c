/** The alert thresholds of API.md (ALERT_* variables). */
export interface AlertSettings {
  createRatePerMin: number;
  growthFactor: number;
  memoryRatio: number;
}

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
      message: `${round(rate)} sessions created per minute (5-minute average), above ${settings.createRatePerMin}`,
    });
  }
  // Without any creation in the previous hour there is no rate to multiply: the absolute rule covers it.
  if (previousRate > 0 && rate > settings.growthFactor * previousRate) {
    alerts.push({
      name: 'session_create_growth',
      message: `creation rate ${round(rate)}/min is over ${settings.growthFactor}x the previous hour's ${round(previousRate)}/min`,
    });
  }
  if (inputs.memoryLimit !== null && inputs.memoryUsed > settings.memoryRatio * inputs.memoryLimit) {
    const share = Math.round((inputs.memoryUsed / inputs.memoryLimit) * 100);
    alerts.push({
      name: 'store_memory',
      message: `store memory at ${share} % of its limit (${inputs.memoryUsed} of ${inputs.memoryLimit} bytes), above ${Math.round(settings.memoryRatio * 100)} %`,
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
