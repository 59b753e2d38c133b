import { describe, expect, it } from 'vitest';
import { LIMITS } from '../core/limits.ts';
import { bodyLimits } from './body-limits.ts';

describe('bodyLimits', () => {
  it('follows the payload cap, allows a full batch, and caps uploads at the archive setting', () => {
    const limits = bodyLimits({ DOCKHAND_PAYLOAD_MAX_BYTES: 65_536, DOCKHAND_CONFIG_MAX_BYTES: 65_536, DOCKHAND_ARCHIVE_MAX_BYTES: 1000 });
    expect(limits.json).toBe(65_536 + 16_384);
    expect(limits.taskBatch).toBe(limits.json * LIMITS.batchMax);
    expect(limits.archive).toBe(1000);
    const larger = bodyLimits({ DOCKHAND_PAYLOAD_MAX_BYTES: 1_000_000, DOCKHAND_CONFIG_MAX_BYTES: 65_536, DOCKHAND_ARCHIVE_MAX_BYTES: 1000 });
    expect(larger.json).toBeGreaterThan(1_000_000);
  });
});
