/**
 * A real OTLP/HTTP trace receiver for tests: an HTTP server on a free port that accepts
 * `POST /v1/traces` with a JSON ExportTraceServiceRequest, decodes it on its own (independently of
 * Dockhand's decoder) and keeps the spans, flattened, for assertions.
 *
 *   const receiver = await startOtlpReceiver();
 *   env OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint
 *   const spans = await receiver.waitFor((s) => s.some((x) => x.name === 'run'));
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Record<string, unknown>;
  statusCode: number;
  links: { traceId: string; spanId: string }[];
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  endpoint: string;
  requests: number;
  contentTypes: string[];
  spans(): ReceivedSpan[];
  waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface AnyValue { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } }
interface KeyValue { key: string; value: AnyValue }

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const state = { requests: 0, contentTypes: [] as string[] };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      state.requests++;
      state.contentTypes.push(String(request.headers['content-type']));
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: Record<string, unknown>[] }[] }[];
        };
        for (const rs of body.resourceSpans) {
          const resource = attributes(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.push({
                traceId: String(s['traceId']),
                spanId: String(s['spanId']),
                parentSpanId: typeof s['parentSpanId'] === 'string' && s['parentSpanId'] ? s['parentSpanId'] : undefined,
                name: String(s['name']),
                kind: Number(s['kind']),
                startNanos: BigInt(String(s['startTimeUnixNano'])),
                endNanos: BigInt(String(s['endTimeUnixNano'])),
                attributes: attributes(s['attributes'] as KeyValue[] | undefined),
                statusCode: Number((s['status'] as { code?: number } | undefined)?.code ?? 0),
                links: ((s['links'] as { traceId: string; spanId: string }[] | undefined) ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
                resource,
                scope: ss.scope?.name ?? '',
              });
            }
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        response.writeHead(400).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() { return state.requests; },
    get contentTypes() { return state.contentTypes; },
    spans: () => [...received],
    async waitFor(done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline) throw new Error(`The OTLP receiver did not get the expected spans in ${timeoutMs} ms; it has ${received.map((s) => s.name).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return [...received];
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
