/**
 * A worker's labels from its host, so that a task's `--constraint region=eu-west` and Swarm's
 * `engine.labels.region==eu-west` / `node.labels.region==eu-west` speak of the same hosts
 * (docs/deploy.md): the engine's labels (`docker info`, set in daemon.json) first, then the Swarm
 * node's labels (readable only on a manager), then the worker's own `--label`s, each later source
 * winning a key. Labels that are not valid Dockhand labels (a key with "/", an empty value) are left
 * out and named. Pure.
 *
 *   hostLabels(['region=eu-west', 'com.example/x=1'], { disk: 'ssd' }, { gpu: 'yes' })
 *   // { labels: { region: 'eu-west', disk: 'ssd', gpu: 'yes' }, skipped: ['com.example/x=1'] }
 */
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, type Labels } from './constraints.ts';

export function hostLabels(engineLabels: readonly string[], nodeLabels: Readonly<Record<string, string>>, own: Labels): { labels: Labels; skipped: string[] } {
  const labels: Labels = {};
  const skipped: string[] = [];
  const add = (key: string, value: string): void => {
    if (LABEL_KEY_PATTERN.test(key) && LABEL_VALUE_PATTERN.test(value)) labels[key] = value;
    else skipped.push(`${key}=${value}`);
  };
  for (const item of engineLabels) {
    const eq = item.indexOf('=');
    if (eq <= 0) skipped.push(item);
    else add(item.slice(0, eq), item.slice(eq + 1));
  }
  for (const [key, value] of Object.entries(nodeLabels)) add(key, value);
  return { labels: { ...labels, ...own }, skipped };
}
