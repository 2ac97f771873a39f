// When each attempt of a delivery is made, counted from the previous attempt: immediately, then
// after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. Eight attempts over about 28 hours; after
// the last one the delivery is failed.
export const RETRY_SCHEDULE_SECONDS = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length;

/** Seconds to wait before attempt `attempt` (1-based); null when there is no such attempt. */
export function delayBeforeAttempt(attempt: number): number | null {
  return RETRY_SCHEDULE_SECONDS[attempt - 1] ?? null;
}

/** An endpoint that has failed every attempt for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;

/** Per-attempt time limit. */
export const DELIVERY_TIMEOUT_MS = 10_000;
