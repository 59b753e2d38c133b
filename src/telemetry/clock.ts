/**
 * The clock every Dockhand span uses: Unix epoch milliseconds with sub-millisecond precision, from
 * the monotonic performance clock anchored to the wall clock. The anchor is re-taken when the two
 * drift apart by more than a few milliseconds (NTP steps, a suspended VM), so spans recorded in
 * different processes line up; between re-anchors, consecutive readings never go backwards.
 *
 *   const start = nowMs(); ...; const tookMs = nowMs() - start;
 */
import { performance } from 'node:perf_hooks';

const MAX_DRIFT_MS = 5;
const CHECK_EVERY_MS = 1000;

let anchor = Date.now() - performance.now();
let checkedAt = performance.now();
let last = 0;

export function nowMs(): number {
  const perf = performance.now();
  if (perf - checkedAt > CHECK_EVERY_MS) {
    checkedAt = perf;
    const wallAnchor = Date.now() - perf;
    if (Math.abs(wallAnchor - anchor) > MAX_DRIFT_MS) anchor = wallAnchor;
  }
  const now = Math.round((anchor + perf) * 1000) / 1000;
  last = Math.max(last, now);
  return last;
}
