import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACT_PATHS } from './logger.ts';

describe('the log redaction paths', () => {
  it('censor payloads, configs, env vars and tokens at the top level and one object deep', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
    const logger = pino({ redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } }, sink);
    logger.info({ payload: '{"password":"hunter2"}', task: { id: 't1', payload: 'p', config: 'c', env_vars: { A: 'b' } }, token: 'tok', req: { headers: { authorization: 'Bearer x' } } }, 'queued');
    const line = lines.join('');
    expect(line).not.toMatch(/hunter2|"p"|"c"|"tok"|Bearer x|"A":"b"/);
    expect(JSON.parse(line)).toMatchObject({ payload: '[redacted]', task: { id: 't1', payload: '[redacted]' }, token: '[redacted]' });
  });
});
