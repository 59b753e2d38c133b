/**
 * Memory sizes as operators write them (`--memory 8g`, `512m`, `2048`), in MiB. A bare number is MiB,
 * as `code upload --memory` takes it. Pure.
 *
 *   parseMemorySize('8g') // 8192
 */
import { DhError } from '../errors.ts';

const UNIT_MIB: Record<string, number> = { '': 1, k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };

export function parseMemorySize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const mib = match ? Math.floor(Number(match[1]) * UNIT_MIB[match[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(mib) || mib < 1) {
    throw new DhError('DH_ERR_VALIDATION', `A memory size is a number with an optional unit k, m, g or t (MiB when none), like 8g or 2048; got "${text}".`);
  }
  return mib;
}
