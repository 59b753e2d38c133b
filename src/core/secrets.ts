/**
 * Which keys look like they hold a secret, and masking their values for display, as IronWorker's
 * dashboard did: API listings of tasks and code packages show `"password": "********"` instead of the
 * value. Only the shown copy is masked; the task itself still receives its payload and config intact.
 * Pure.
 *
 *   maskSecrets({ user: 'ann', api_key: 'k-123' })   // { user: 'ann', api_key: '********' }
 *   maskJsonText('{"token":"t"}')                    // '{"token":"********"}'
 */

export const MASK = '********';

/** Fragments that make a key secret wherever they appear in it (after dropping case, `_`, `-`, `.`). */
const SECRET_FRAGMENTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'accesskey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'licensekey',
  'clientkey',
  'credential',
  'authorization',
  'cookie',
  'sessionid',
];

/** Short words that are secret as a whole word of a key ("db_pass", "authKey"), not inside others ("passenger"). */
const SECRET_WORDS = new Set(['pass', 'pwd', 'pw', 'auth', 'key', 'pin', 'otp', 'jwt', 'bearer', 'oauth', 'dsn']);

export function isSecretKey(key: string): boolean {
  const squashed = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SECRET_FRAGMENTS.some((fragment) => squashed.includes(fragment))) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  // "key" alone is secret; as the last word of a longer key it is usually an ordinary field (sort_key).
  return words.some((word, i) => SECRET_WORDS.has(word) && (word !== 'key' || words.length === 1 || i === 0));
}

/** A copy of `value` with the value of every secret-looking key, at any depth, replaced by MASK. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== 'object') return value;
  const masked: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    masked[key] = isSecretKey(key) && inner !== null && inner !== undefined && inner !== '' ? MASK : maskSecrets(inner);
  }
  return masked;
}

/**
 * The same for JSON held as text (a task's payload, a package's config). Text that is not a JSON
 * object or array is returned as it is: without keys there is nothing to tell secrets by. Text with
 * nothing to mask is returned unchanged, formatting and all.
 */
export function maskJsonText(text: string): string {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const masked = maskSecrets(parsed);
  return JSON.stringify(masked) === JSON.stringify(parsed) ? text : JSON.stringify(masked);
}

/** Environment variables by the same rule: `DB_PASSWORD=...` shows as `DB_PASSWORD=********`. */
export function maskEnvVars(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, isSecretKey(name) && value !== '' ? MASK : value]));
}
