import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.ts';
import { parseSettings } from './settings.ts';

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
