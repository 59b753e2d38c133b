// A task's log, streamed while it runs: GET /v1/tasks/:id/log?follow=1 is server-sent events, read with
// fetch (EventSource cannot send the Authorization header, and the token must stay out of URLs). Each
// line is appended as text. After the task ends the whole log can be downloaded.
import { html, useEffect, useRef, useState } from '../html.js';
import { request } from '../api.js';

/** Splits an SSE byte stream into {event, data} messages. */
async function readEvents(response, onEvent, signal) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}

/** The page keeps the newest this many log entries; the download has all of them. */
const SHOWN_ENTRIES = 5000;

export function LiveLog({ taskId, onProgress }) {
  const [chunks, setChunks] = useState([]);
  const [state, setState] = useState('connecting');
  const box = useRef(null);
  useEffect(() => {
    const abort = new AbortController();
    setChunks([]);
    setState('streaming');
    (async () => {
      const response = await request(`/v1/tasks/${encodeURIComponent(taskId)}/log?follow=1`, { signal: abort.signal });
      if (!response.ok) throw new Error(`the log answered ${response.status}`);
      await readEvents(response, (event, data) => {
        if (event === 'stdout' || event === 'stderr' || event === 'system') setChunks((previous) => [...previous.slice(-(SHOWN_ENTRIES - 1)), { stream: event, text: data }]);
        else if (event === 'progress') onProgress?.(data);
        else if (event === 'end') setState('ended');
      }, abort.signal);
      setState((s) => (s === 'streaming' ? 'ended' : s));
    })().catch((err) => {
      if (!abort.signal.aborted) setState(`stopped: ${err.message}`);
    });
    return () => abort.abort();
  }, [taskId]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [chunks.length]);
  const download = async () => {
    const response = await request(`/v1/tasks/${encodeURIComponent(taskId)}/log`);
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `task-${taskId}.log`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return html`<section class="panel">
    <h2>Log <span class="muted small" role="status">${state === 'streaming' ? 'live' : state}</span></h2>
    ${chunks.length >= SHOWN_ENTRIES ? html`<p class="muted small">Showing the newest ${SHOWN_ENTRIES} pieces of output; the download has all of it.</p>` : null}
    <pre class="log" ref=${box} tabindex="0" aria-label="Task log" data-state=${state}>${chunks.map((c) => html`<span class=${c.stream}>${c.text}</span>`)}</pre>
    <button onClick=${download}>Download log</button>
  </section>`;
}
