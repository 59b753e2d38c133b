/**
 * How many warm containers a node keeps for each class (stack image and limits), decided from recent
 * demand. Pure: it gets what the pool holds and when each class was last asked for, and says how many
 * to start and to retire per class. See docs/architecture.md "Warm, single-use containers".
 *
 * - A class asked for within `idleMs` keeps at least one container ready, and as many as it was asked
 *   for in the last `windowMs` (a class in demand grows), up to the node's bound.
 * - A class not asked for within `idleMs` shrinks to zero.
 * - The node's bound (`max`, `--warm`) holds over every class together (ready and starting); when
 *   the classes want more than that, the most recently asked-for ones go first.
 *
 *   planWarm([{ key: 'a', ready: 0, starting: 0, demandAt: [now - 5] }], { max: 4, idleMs: 60_000, windowMs: 10_000 }, now)
 *   // -> [{ key: 'a', start: 1, retire: 0 }]
 */

export interface WarmClassView {
  key: string;
  /** Started containers waiting for a task. */
  ready: number;
  /** Containers being created and started. */
  starting: number;
  /** When tasks of this class were claimed here (epoch ms), newest last; only the recent ones matter. */
  demandAt: readonly number[];
}

export interface WarmLimits {
  /** Warm containers on this node, every class together; 0 turns the pool off. */
  max: number;
  /** A class not asked for this long shrinks to zero. */
  idleMs: number;
  /** Demand is counted over this window to size a class. */
  windowMs: number;
}

export interface WarmStep {
  key: string;
  start: number;
  retire: number;
}

/** Wanted containers per class, bounded by `max` over all classes, most recent demand first. */
export function warmTargets(classes: readonly WarmClassView[], limits: WarmLimits, now: number): Map<string, number> {
  const targets = new Map<string, number>();
  let left = Math.max(0, limits.max);
  const byRecency = [...classes].sort((a, b) => lastDemand(b) - lastDemand(a) || a.key.localeCompare(b.key));
  for (const view of byRecency) {
    const last = lastDemand(view);
    const recent = view.demandAt.filter((at) => now - at <= limits.windowMs).length;
    const wanted = now - last <= limits.idleMs ? Math.max(1, recent) : 0;
    const granted = Math.min(wanted, left);
    targets.set(view.key, granted);
    left -= granted;
  }
  return targets;
}

/** What to start and retire now; starting containers count as present, and only ready ones can retire. */
export function planWarm(classes: readonly WarmClassView[], limits: WarmLimits, now: number): WarmStep[] {
  const targets = warmTargets(classes, limits, now);
  const steps: WarmStep[] = [];
  // Retire first, so a start never pushes the node over its bound while another class shrinks.
  let present = classes.reduce((sum, c) => sum + c.ready + c.starting, 0);
  const retiring = new Map<string, number>();
  for (const view of classes) {
    const surplus = view.ready + view.starting - (targets.get(view.key) ?? 0);
    const retire = Math.max(0, Math.min(surplus, view.ready));
    retiring.set(view.key, retire);
    present -= retire;
  }
  for (const view of classes) {
    const have = view.ready + view.starting - (retiring.get(view.key) ?? 0);
    const start = Math.max(0, Math.min((targets.get(view.key) ?? 0) - have, limits.max - present));
    present += start;
    const retire = retiring.get(view.key) ?? 0;
    if (start > 0 || retire > 0) steps.push({ key: view.key, start, retire });
  }
  return steps;
}

/** Demand older than this can no longer change a decision, so the pool may forget it. */
export function demandHorizonMs(limits: WarmLimits): number {
  return Math.max(limits.idleMs, limits.windowMs);
}

function lastDemand(view: WarmClassView): number {
  return view.demandAt.length > 0 ? Math.max(...view.demandAt) : -Infinity;
}
