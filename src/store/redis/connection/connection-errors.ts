/**
 * Reports a Redis client's connection trouble once per outage. ioredis emits 'error' on every failed
 * reconnect (several a second while Redis is down); a client with no listener prints each one as an
 * "Unhandled error event". This listener logs the first error of an outage as a warning, stays quiet
 * for the rest of it, and logs "reconnected" (with how long it lasted and how many errors it
 * swallowed) when the client is ready again. Pure of I/O beyond the logger it is handed.
 *
 *   reportConnectionErrors(redis, logger, 'redis');
 */
import type { EventEmitter } from 'node:events';

export interface ConnectionLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
}

export interface ConnectionReport {
  /** Whether the client is in an outage (an error seen and not ready since). */
  readonly down: boolean;
  /** Errors seen during the current (or last) outage. */
  readonly errors: number;
  detach(): void;
}

export function reportConnectionErrors(client: EventEmitter, logger: ConnectionLogger | undefined, label = 'redis', now: () => number = Date.now): ConnectionReport {
  let down = false;
  let errors = 0;
  let since = 0;
  const onError = (err: Error): void => {
    errors += 1;
    if (down) return;
    down = true;
    since = now();
    logger?.warn({ connection: label, err: err.message }, `${label}: connection lost; retrying (further errors are not logged until it is back)`);
  };
  const onReady = (): void => {
    if (!down) return;
    logger?.info({ connection: label, outage_ms: now() - since, errors }, `${label}: reconnected`);
    down = false;
    errors = 0;
  };
  client.on('error', onError);
  client.on('ready', onReady);
  return {
    get down() { return down; },
    get errors() { return errors; },
    detach() {
      client.off('error', onError);
      client.off('ready', onReady);
    },
  };
}
