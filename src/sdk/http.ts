/**
 * The SDK's one HTTP helper: JSON in, JSON out, and the server's `{"error": {code, message}}` turned
 * into a DockhandApiError a caller can switch on.
 */
import type { Credentials } from './credentials.ts';

export class DockhandApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'DockhandApiError';
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  rawBody?: AsyncIterable<Uint8Array>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class HttpClient {
  constructor(readonly credentials: Credentials) {}

  async raw(pathAndQuery: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.credentials.token}`, ...options.headers };
    let body: string | AsyncIterable<Uint8Array> | undefined;
    if (options.rawBody) body = options.rawBody;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.credentials.url}${pathAndQuery}`, {
        method: options.method ?? 'GET',
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(options.rawBody ? { duplex: 'half' } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new DockhandApiError(0, 'DH_ERR_UNREACHABLE', `Cannot reach the Dockhand server at ${this.credentials.url} (${cause}); is \`npm run up\` running?`);
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  async json<T>(pathAndQuery: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.raw(pathAndQuery, options);
    return (await response.json()) as T;
  }
}

async function toApiError(response: Response): Promise<DockhandApiError> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (parsed.error?.message) {
      return new DockhandApiError(response.status, parsed.error.code ?? 'DH_ERR_UNKNOWN', parsed.error.message, parsed.error.details);
    }
  } catch {
    // Not JSON: fall through to a generic message with the body's start.
  }
  return new DockhandApiError(response.status, 'DH_ERR_UNKNOWN', `The server answered ${response.status}: ${text.slice(0, 200)}`);
}
