// A worker that shows up in its own task's trace, with nothing but Node's standard library (a task
// cannot npm install at run time, and without network it cannot reach a collector).
//
// Dockhand starts the container with TRACEPARENT=00-<trace id>-<run span id>-01: the task's `run`
// span. A span is reported by printing one line, `##dockhand span <json>`, on stdout or stderr; the
// worker takes such lines out of the log and records them in the trace (child of `run` unless the
// span names another parent). `##dockhand progress <0-100> [message]` sets the task's progress.
//
//   dockhand code upload examples/traced-node --name traced --stack node-20
//   dockhand task queue traced --payload '{"items": 5}' --wait
//   dockhand task trace <task id>
const fs = require('node:fs');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');

const [, traceId, runSpanId] = (process.env.TRACEPARENT ?? '').split('-');

/** Epoch milliseconds with sub-millisecond precision, the unit span lines use. */
const now = () => performance.timeOrigin + performance.now();

function startSpan(name, parent) {
  return {
    trace_id: traceId,
    span_id: randomBytes(8).toString('hex'),
    parent_span_id: parent?.span_id ?? runSpanId,
    name,
    start: now(),
    attributes: {},
  };
}

function endSpan(span, status = 'ok') {
  span.end = now();
  span.status = status;
  if (traceId) console.log(`##dockhand span ${JSON.stringify(span)}`);
}

function progress(percent, message) {
  console.log(`##dockhand progress ${percent} ${message}`);
}

function readPayload() {
  try {
    const text = fs.readFileSync(process.env.PAYLOAD_FILE, 'utf8');
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return {};
  }
}

function busyWork(ms) {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  return x;
}

const work = startSpan('process items');
const payload = readPayload();
const items = Number.isInteger(payload.items) && payload.items > 0 ? payload.items : 3;
work.attributes['items.count'] = items;
console.log(`processing ${items} items in trace ${traceId ?? '(none)'}`);

const results = [];
for (let i = 1; i <= items; i++) {
  const item = startSpan(`item ${i}`, work);
  item.attributes['item.index'] = i;
  busyWork(20);
  results.push(i * i);
  endSpan(item);
  progress(Math.round((i / items) * 100), `item ${i} of ${items}`);
}
endSpan(work);

fs.writeFileSync(process.env.RESULT_FILE, JSON.stringify({ squares: results, trace_id: traceId ?? null }));
