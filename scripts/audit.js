// CI's dependency audit: `npm audit --omit=dev --audit-level=high`, failing only on real findings.
//
// npm audit needs the registry's bulk advisory endpoint (a POST). Where it cannot be reached (an
// offline mirror, or a proxy that allows only GET, as on the build machines), npm fails with the same
// exit code as for a finding, so CI would fail forever or be switched off. Here:
//   - the endpoint answers: high or critical advisories in runtime dependencies fail the step;
//   - it does not: a loud warning says advisories were NOT checked against the registry, the lockfile
//     is checked against the advisories Dockhand pins below (the tar-fs escapes it depends on not
//     having), and the step fails only if one of those is present. DOCKHAND_AUDIT_REQUIRED=1 makes an
//     unreachable endpoint fail the step too.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Advisories that must never be in the tree: package, fixed-in versions per major line, reference. */
const PINNED_ADVISORIES = [
  // docs/security.md and the hardening notes: symlink, hardlink and prefix-check escapes.
  { name: 'tar-fs', fixed: { 2: '2.1.4', 3: '3.1.1' }, id: 'CVE-2024-12905, CVE-2025-48387, CVE-2025-59343 (writes outside the extraction directory)' },
];

function compareVersions(a, b) {
  const pa = a.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Runtime (non-dev) packages of package-lock.json that carry a pinned advisory. */
export function pinnedFindings(lock) {
  const findings = [];
  for (const [where, entry] of Object.entries(lock.packages ?? {})) {
    if (!where || entry.dev || !entry.version) continue;
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const advisory of PINNED_ADVISORIES) {
      if (advisory.name !== name) continue;
      const major = Number.parseInt(entry.version, 10);
      const fixed = advisory.fixed[major];
      if (fixed === undefined ? major < Math.max(...Object.keys(advisory.fixed).map(Number)) : compareVersions(entry.version, fixed) < 0) {
        findings.push(`${name}@${entry.version} at ${where}: ${advisory.id}; fixed in ${Object.values(advisory.fixed).join(' / ')}`);
      }
    }
  }
  return findings;
}

function main() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['audit', '--omit=dev', '--audit-level=high', '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    report = undefined;
  }

  const counts = report?.metadata?.vulnerabilities;
  if (counts) {
    const serious = (counts.high ?? 0) + (counts.critical ?? 0);
    if (serious === 0) {
      console.log(`npm audit: no high or critical advisories in runtime dependencies (${counts.total ?? 0} lower).`);
      return 0;
    }
    console.error(`npm audit: ${serious} high or critical advisories in runtime dependencies:`);
    for (const [name, vuln] of Object.entries(report.vulnerabilities ?? {})) {
      if (vuln.severity === 'high' || vuln.severity === 'critical') console.error(`  ${name} (${vuln.severity}) ${vuln.range ?? ''}`);
    }
    console.error('Run `npm audit --omit=dev` for details and `npm audit fix` or an `overrides` entry to resolve them.');
    return 1;
  }

  const reason = report?.message ?? report?.error?.summary ?? (run.stderr || run.error?.message || `npm audit exited ${run.status}`).trim().split('\n').pop();
  console.error(`warning: npm audit could not reach the advisory endpoint (${reason}).`);
  console.error('warning: dependencies were NOT checked against the registry\'s advisories; checking the pinned ones instead.');
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const findings = pinnedFindings(lock);
  if (findings.length > 0) {
    console.error('Pinned advisories found in runtime dependencies:');
    for (const finding of findings) console.error(`  ${finding}`);
    return 1;
  }
  console.error(`pinned advisories: none in runtime dependencies (${PINNED_ADVISORIES.map((a) => a.name).join(', ')} checked).`);
  if (process.env.DOCKHAND_AUDIT_REQUIRED === '1') {
    console.error('DOCKHAND_AUDIT_REQUIRED=1: failing because the full audit could not run.');
    return 1;
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
