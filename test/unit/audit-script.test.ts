import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript CI script without type declarations.
import { pinnedFindings } from '../../scripts/audit.js';

const lock = (packages: Record<string, { version: string; dev?: boolean }>) => ({ packages: { '': { name: 'dockhand' }, ...packages } });

describe('the audit fallback for an unreachable advisory endpoint', () => {
  it('flags runtime copies of tar-fs older than the fixes, wherever they are nested', () => {
    const findings = pinnedFindings(lock({
      'node_modules/tar-fs': { version: '3.0.8' },
      'node_modules/dockerode/node_modules/tar-fs': { version: '2.1.1' },
      'node_modules/old/node_modules/tar-fs': { version: '1.16.3' },
    })) as string[];
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatch(/^tar-fs@3\.0\.8 at node_modules\/tar-fs: CVE-2024-12905/);
  });

  it('passes fixed versions and development-only copies', () => {
    expect(pinnedFindings(lock({
      'node_modules/tar-fs': { version: '3.1.3' },
      'node_modules/x/node_modules/tar-fs': { version: '2.1.4' },
      'node_modules/devtool/node_modules/tar-fs': { version: '2.0.0', dev: true },
    }))).toEqual([]);
  });
});
