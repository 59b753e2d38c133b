/**
 * How a scalar field is written into a Redis hash. Strings, numbers and booleans are written as
 * `String` writes them; a structured value that reached a scalar field is written as JSON, so it stays
 * readable instead of becoming "[object Object]". The codecs name the fields that hold JSON on purpose.
 */
export function hashScalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
