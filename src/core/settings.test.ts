import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.ts';
import { SETTING_NAMES, parseSettings } from './settings.ts';

describe('parseSettings: the security settings', () => {
  it('defaults the body, archive and rate limits to the documented values', () => {
    const settings = parseSettings({});
    expect(settings).toMatchObject({
      DOCKHAND_PAYLOAD_MAX_BYTES: 65_536,
      DOCKHAND_CONFIG_MAX_BYTES: 65_536,
      DOCKHAND_ARCHIVE_MAX_BYTES: LIMITS.archiveMaxUploadBytes,
      DOCKHAND_RATE_LIMIT: LIMITS.rateLimitRequests,
      DOCKHAND_RATE_WINDOW_SECONDS: 60,
    });
    expect(settings.DOCKHAND_ADMIN_TOKEN).toBeUndefined();
    expect(settings.DOCKHAND_RUNTIME).toBeUndefined();
  });

  it('takes operator values, with 0 turning the rate limit off', () => {
    expect(parseSettings({ DOCKHAND_PAYLOAD_MAX_BYTES: '1048576', DOCKHAND_RATE_LIMIT: '0', DOCKHAND_RUNTIME: 'runsc' })).toMatchObject({
      DOCKHAND_PAYLOAD_MAX_BYTES: 1_048_576,
      DOCKHAND_RATE_LIMIT: 0,
      DOCKHAND_RUNTIME: 'runsc',
    });
  });

  it('refuses a short admin token and a runtime name that is not a plain name, naming the setting', () => {
    expect(() => parseSettings({ DOCKHAND_ADMIN_TOKEN: 'short' })).toThrow(/DOCKHAND_ADMIN_TOKEN/);
    expect(() => parseSettings({ DOCKHAND_RUNTIME: 'runsc --debug' })).toThrow(/DOCKHAND_RUNTIME/);
    expect(() => parseSettings({ DOCKHAND_PAYLOAD_MAX_BYTES: '0' })).toThrow(/DOCKHAND_PAYLOAD_MAX_BYTES/);
  });
});

describe("README's settings table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Settings\n'), readme.indexOf('\n## ', readme.indexOf('## Settings\n') + 1));
  /** The variables a row names in its first cell (`A` / `B` rows name two). */
  const rowNames = (row: string): string[] => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);

  it('is one table, with each setting in one row', () => {
    const lines = section.split('\n');
    const first = lines.findIndex((line) => line.startsWith('|'));
    const last = lines.findLastIndex((line) => line.startsWith('|'));
    expect(lines.slice(first, last + 1).filter((line) => !line.startsWith('|')), 'lines that split the table').toEqual([]);
    const names = lines.filter((line) => line.startsWith('| `')).flatMap(rowNames);
    expect(names.filter((name, i) => names.indexOf(name) !== i), 'settings listed twice').toEqual([]);
  });

  it('lists every setting the schema reads, and no other', () => {
    const documented = section.split('\n').filter((line) => line.startsWith('| `')).flatMap(rowNames);
    expect([...documented].sort()).toEqual([...SETTING_NAMES].sort());
  });
});
