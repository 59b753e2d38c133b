import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';

const valid = `# HELP jobs_total Jobs.
# TYPE jobs_total counter
jobs_total{status="ok",code="a\\"b"} 3
# HELP wait_seconds Wait.
# TYPE wait_seconds histogram
wait_seconds_bucket{le="0.1"} 1
wait_seconds_bucket{le="1"} 2
wait_seconds_bucket{le="+Inf"} 2
wait_seconds_sum 0.7
wait_seconds_count 2
`;

describe('the strict Prometheus text parser used by the metrics tests', () => {
  it('reads families, labels with escapes and histogram series', () => {
    const families = parsePrometheusText(valid);
    expect(families.get('jobs_total')?.samples).toEqual([{ name: 'jobs_total', labels: { status: 'ok', code: 'a"b' }, value: 3 }]);
    expect(families.get('wait_seconds')?.samples).toHaveLength(5);
  });

  it('refuses a sample with no # TYPE before it', () => {
    expect(() => parsePrometheusText('orphan 1\n')).toThrow(/no # TYPE/);
  });

  it('refuses values that are not numbers and malformed labels', () => {
    expect(() => parsePrometheusText('# TYPE x gauge\nx one\n')).toThrow(/bad value/);
    expect(() => parsePrometheusText('# TYPE x gauge\nx{a=b} 1\n')).toThrow(/bad labels/);
  });

  it('refuses a histogram whose buckets are not cumulative or whose count differs from +Inf', () => {
    expect(() => parsePrometheusText(valid.replace('wait_seconds_bucket{le="1"} 2', 'wait_seconds_bucket{le="1"} 0'))).toThrow(/cumulative/);
    expect(() => parsePrometheusText(valid.replace('wait_seconds_count 2', 'wait_seconds_count 3'))).toThrow(/_count/);
  });

  it('refuses an exposition that does not end with a newline', () => {
    expect(() => parsePrometheusText('# TYPE x gauge\nx 1')).toThrow(/newline/);
  });
});
