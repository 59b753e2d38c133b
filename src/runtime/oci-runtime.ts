/**
 * The operator's choice of OCI runtime (DOCKHAND_RUNTIME, e.g. gVisor's `runsc`), checked against the
 * runtimes the engine has registered before a worker takes its first task, so a typo or a missing
 * install stops the worker at start instead of failing every task. Every created container is checked
 * again (limits-check.ts), so a task never runs under a runtime other than the chosen one.
 *
 *   assertRuntimeRegistered('runsc', Object.keys((await docker.info()).Runtimes));
 */
import { DhError } from '../core/errors.ts';

export function assertRuntimeRegistered(wanted: string, registered: readonly string[]): void {
  if (registered.includes(wanted)) return;
  throw new DhError(
    'DH_ERR_CONFIG',
    `Setting DOCKHAND_RUNTIME is invalid: the Docker engine has no runtime "${wanted}" (it has ${registered.join(', ') || 'none'}); install it and register it under "runtimes" in /etc/docker/daemon.json (docs/security.md), or unset DOCKHAND_RUNTIME.`,
    { setting: 'DOCKHAND_RUNTIME', wanted, registered: [...registered] },
  );
}
