/**
 * Dockhand code revisions as IronWorker clients read them: the code object of `GET /codes` and
 * `GET /codes/{id}`, and the revision object of `GET /codes/{id}/revisions`. Dockhand keeps one id per
 * package; a revision's own id is derived from it and the revision number (stable, never looked up).
 *
 *   reply.send(ironCode(current, firstRevision));
 */
import { createHash } from 'node:crypto';
import type { CodeRevision } from '../../core/model.ts';
import { presentCode } from '../present.ts';

/** What a code package and each of its revisions both show: how it runs and its limits. */
interface IronCodeRun {
  image?: string;
  stack?: string;
  runtime?: string;
  file_name?: string;
  command?: string;
  config?: string;
  env_vars: Record<string, string>;
  max_concurrency: number;
  retries: number;
  retries_delay: number;
}

export interface IronCode extends IronCodeRun {
  id: string;
  project_id: string;
  name: string;
  created_at: string;
  rev: number;
  latest_change: string;
  latest_history_id: string;
  default_priority: number;
  timeout: number;
  memory: number;
  cpus: number;
  network: boolean;
}

export interface IronRevision extends IronCodeRun {
  id: string;
  code_id: string;
  project_id: string;
  name: string;
  rev: number;
  created_at: string;
  updated_at: string;
  code_size?: number;
}

/** A stable 24-hex id for one revision of a package. */
export function revisionId(codeId: string, rev: number): string {
  return createHash('sha256').update(`${codeId}:${rev}`).digest('hex').slice(0, 24);
}

/** `first` is revision 1 (for `created_at`); without it the current revision's time is used. */
export function ironCode(stored: CodeRevision, first?: CodeRevision): IronCode {
  // Secret-looking env vars and config keys are masked in what is shown (api/present.ts).
  const current = presentCode(stored);
  return {
    id: current.id,
    project_id: current.project_id,
    name: current.name,
    created_at: first?.created_at ?? current.created_at,
    rev: current.rev,
    latest_change: current.created_at,
    latest_history_id: revisionId(current.id, current.rev),
    ...startFields(current),
    env_vars: current.env_vars,
    max_concurrency: current.max_concurrency,
    retries: current.retries,
    retries_delay: current.retries_delay,
    default_priority: current.default_priority,
    timeout: current.timeout,
    memory: current.memory,
    cpus: current.cpus,
    network: current.network,
  };
}

export function ironRevision(stored: CodeRevision): IronRevision {
  const revision = presentCode(stored);
  return {
    id: revisionId(revision.id, revision.rev),
    code_id: revision.id,
    project_id: revision.project_id,
    name: revision.name,
    rev: revision.rev,
    created_at: revision.created_at,
    updated_at: revision.created_at,
    ...startFields(revision),
    env_vars: revision.env_vars,
    max_concurrency: revision.max_concurrency,
    retries: revision.retries,
    retries_delay: revision.retries_delay,
    ...(revision.archive_size !== undefined ? { code_size: revision.archive_size } : {}),
  };
}

function startFields(revision: CodeRevision): Pick<IronCode, 'image' | 'stack' | 'runtime' | 'file_name' | 'command' | 'config'> {
  return {
    ...(revision.image !== undefined ? { image: revision.image } : {}),
    ...(revision.stack !== undefined ? { stack: revision.stack } : {}),
    ...(revision.runtime !== undefined ? { runtime: revision.runtime } : {}),
    ...(revision.file_name !== undefined ? { file_name: revision.file_name } : {}),
    ...(revision.command !== undefined ? { command: revision.command } : {}),
    ...(revision.config !== undefined ? { config: revision.config } : {}),
  };
}
