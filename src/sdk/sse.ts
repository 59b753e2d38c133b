/**
 * Reads a server-sent-events response body into events, for following a task's log. The parsing is
 * eventsource-parser's (the WHATWG rules: CRLF, CR or LF line ends, comments, multi-line data, a BOM),
 * so the reader is not a second hand-written parser that only knows `\n\n`.
 *
 *   for await (const event of readSse(response.body)) if (event.event === 'end') break;
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncIterable<SseEvent> {
  const decoder = new TextDecoder();
  const ready: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      ready.push({ event: message.event ?? 'message', data: message.data, ...(message.id !== undefined ? { id: message.id } : {}) });
    },
  });
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* ready.splice(0);
  }
}
