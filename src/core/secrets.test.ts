import { describe, expect, it } from 'vitest';
import { MASK, isSecretKey, maskEnvVars, maskJsonText, maskSecrets } from './secrets.ts';

describe('isSecretKey', () => {
  it('recognises the usual names of secrets in any case and separator style', () => {
    for (const key of ['password', 'PASSWORD', 'db_password', 'dbPassword', 'token', 'access_token', 'refreshToken', 'secret', 'client_secret', 'api_key', 'apiKey', 'API-KEY', 'x-api-key', 'private_key', 'aws_access_key_id', 'AWS_SECRET_ACCESS_KEY', 'credentials', 'Authorization', 'cookie', 'session_id', 'pass', 'db_pass', 'pwd', 'auth', 'authKey', 'key', 'pin', 'otp', 'passphrase', 'sentry_dsn']) {
      expect(isSecretKey(key), key).toBe(true);
    }
  });

  it('leaves ordinary keys alone, including words that merely contain a short secret word', () => {
    for (const key of ['name', 'user', 'username', 'email', 'passenger', 'author', 'compass', 'sort_key', 'monkey', 'keyboard', 'pinned', 'count', 'url', 'bypass_cache']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe('maskSecrets', () => {
  it('masks secret values at any depth, in arrays too, and keeps everything else', () => {
    const input = { user: 'ann', api_key: 'k-1', nested: { db: { password: 'p', host: 'db' } }, list: [{ token: 't', id: 1 }] };
    expect(maskSecrets(input)).toEqual({ user: 'ann', api_key: MASK, nested: { db: { password: MASK, host: 'db' } }, list: [{ token: MASK, id: 1 }] });
    expect(input.api_key).toBe('k-1');
  });

  it('masks a whole object held under a secret key, and leaves empty secrets visibly empty', () => {
    expect(maskSecrets({ credentials: { user: 'u', pass: 'p' }, password: '', token: null })).toEqual({ credentials: MASK, password: '', token: null });
  });
});

describe('maskJsonText', () => {
  it('masks secret keys in a JSON payload', () => {
    expect(JSON.parse(maskJsonText('{"name":"x","password":"hunter2"}'))).toEqual({ name: 'x', password: MASK });
  });

  it('returns text with nothing to mask unchanged, formatting included', () => {
    const text = '{\n  "name": "x"\n}';
    expect(maskJsonText(text)).toBe(text);
  });

  it('returns plain text and broken JSON as they are', () => {
    expect(maskJsonText('password=hunter2')).toBe('password=hunter2');
    expect(maskJsonText('{"password": ')).toBe('{"password": ');
    expect(maskJsonText('')).toBe('');
  });
});

describe('maskEnvVars', () => {
  it('masks the values of secret-looking variable names', () => {
    expect(maskEnvVars({ DB_PASSWORD: 'p', STRIPE_SECRET_KEY: 's', GREETING: 'hi', EMPTY_TOKEN: '' })).toEqual({ DB_PASSWORD: MASK, STRIPE_SECRET_KEY: MASK, GREETING: 'hi', EMPTY_TOKEN: '' });
  });
});
