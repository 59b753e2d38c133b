/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that read
 * `/metrics` the way a Prometheus server would: every sample must belong to a family declared with
 * `# TYPE` before it, names and labels must be well formed, values must be numbers, and histograms
 * must have cumulative buckets ending in `le="+Inf"` equal to their `_count`. Throws on anything else.
 *
 *   const families = parsePrometheusText(await (await fetch(url)).text());
 *   families.get('dockhand_tasks_total')?.samples
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<MetricFamily['type'], string[]> = {
  counter: ['', '_total'],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.split('\n').forEach((line, index) => {
    const at = `line ${index + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${at}: bad metric name "${name}"`);
      if (kind === 'HELP') {
        helps.set(name, rest);
        const family = families.get(name);
        if (family) family.help = rest;
        return;
      }
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${at}: bad type "${rest}"`);
      if (families.has(name)) throw new Error(`${at}: second TYPE for ${name}`);
      families.set(name, { name, type: rest as MetricFamily['type'], help: helps.get(name) ?? '', samples: [] });
      return;
    }
    const sample = parseSample(line, at);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${at}: sample ${sample.name} has no # TYPE before it`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type]) if (sampleName === family.name + suffix) return family;
  }
  return undefined;
}

function parseSample(line: string, at: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) throw new Error(`${at}: not a sample: ${line}`);
  const [, name, , labelText, valueText] = match as unknown as [string, string, string | undefined, string | undefined, string];
  return { name, labels: parseLabels(labelText ?? '', at), value: parseValue(valueText, at) };
}

function parseLabels(text: string, at: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
    if (!match) throw new Error(`${at}: bad labels {${text}}`);
    const [whole, name, raw, comma] = match as unknown as [string, string, string, string];
    if (!LABEL_NAME.test(name) || name in labels) throw new Error(`${at}: bad or repeated label ${name}`);
    labels[name] = raw.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
    if (rest.length > 0 && comma !== ',') throw new Error(`${at}: labels must be separated by commas`);
  }
  return labels;
}

function parseValue(text: string, at: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${at}: bad value "${text}"`);
  return Number(text);
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, Sample[]>();
  const key = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const sample of family.samples) {
    if (sample.name !== `${family.name}_bucket`) continue;
    if (sample.labels['le'] === undefined) throw new Error(`${family.name}: bucket without le`);
    const list = series.get(key(sample.labels)) ?? [];
    list.push(sample);
    series.set(key(sample.labels), list);
  }
  for (const [labels, buckets] of series) {
    const bounds = buckets.map((b) => parseValue(b.labels['le']!, family.name));
    for (let i = 1; i < buckets.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${family.name}: bucket bounds not increasing`);
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family.name}: buckets not cumulative`);
    }
    if (bounds.at(-1) !== Infinity) throw new Error(`${family.name}: no +Inf bucket`);
    const count = family.samples.find((s) => s.name === `${family.name}_count` && key(s.labels) === labels);
    if (!count || count.value !== buckets.at(-1)!.value) throw new Error(`${family.name}: _count differs from the +Inf bucket`);
  }
}
