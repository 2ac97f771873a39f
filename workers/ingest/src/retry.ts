// Exponential backoff for transient failures: 5 s, 10 s, 20 s, ... capped at 15 minutes, so ten
// retries (the consumer's max_retries) span about an hour before a message is dead-lettered.
const BASE_SECONDS = 5;
const MAX_SECONDS = 15 * 60;

/** Delay before the next try of a message that has been delivered `attempts` times (1-based). */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_SECONDS, BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}
