/**
 * Small statistics helpers for benchmarks: percentiles of samples in milliseconds.
 */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summary(name: string, samples: number[]): { name: string; n: number; p50: number; p90: number; min: number } {
  return { name, n: samples.length, p50: percentile(samples, 50), p90: percentile(samples, 90), min: Math.min(...samples) };
}

export function formatRow(row: ReturnType<typeof summary>): string {
  return `${row.name.padEnd(44)} n=${String(row.n).padStart(3)}  p50 ${row.p50.toFixed(0).padStart(5)} ms  p90 ${row.p90.toFixed(0).padStart(5)} ms  min ${row.min.toFixed(0).padStart(5)} ms`;
}
