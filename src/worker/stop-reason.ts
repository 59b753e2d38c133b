/**
 * Why an attempt's run ends, as one union. A run ends by itself (`exit`), at its deadline (`timeout`),
 * when its output passes the log cap (`log-cap`), or because the worker stops it from outside: a
 * user's `cancel`, a `drain` (the node shuts down), or a lease the node lost (`revoked`). Stops from
 * outside travel as the reason of the attempt's AbortSignal; `outsideStopOf` reads them back.
 */
export const OUTSIDE_STOP_REASONS = ['cancel', 'drain', 'revoked'] as const;
export type OutsideStopReason = (typeof OUTSIDE_STOP_REASONS)[number];

export type StopReason = 'exit' | 'timeout' | 'log-cap' | OutsideStopReason;

function isOutsideStop(value: unknown): value is OutsideStopReason {
  return (OUTSIDE_STOP_REASONS as readonly unknown[]).includes(value);
}

/** Why the signal stopped the attempt, if it did; an abort without one of ours counts as a cancel. */
export function outsideStopOf(signal: AbortSignal | undefined): OutsideStopReason | undefined {
  if (!signal?.aborted) return undefined;
  const reason: unknown = signal.reason;
  return isOutsideStop(reason) ? reason : 'cancel';
}
