import { describe, expect, it } from 'vitest';
import { isDhError } from '../../../core/errors.ts';
import { DEFAULT_REDIS_URL, describeRedisTarget, parseRedisTarget } from './redis-target.ts';

describe('parseRedisTarget', () => {
  it('takes a plain URL as one server, and defaults to Dockhand\'s own Redis', () => {
    expect(parseRedisTarget({ REDIS_URL: 'redis://h:6379/2' })).toEqual({ kind: 'server', url: 'redis://h:6379/2' });
    expect(parseRedisTarget({})).toEqual({ kind: 'server', url: DEFAULT_REDIS_URL });
  });

  it('reads sentinels, master, password and database from a redis+sentinel URL', () => {
    expect(parseRedisTarget({ REDIS_URL: 'redis+sentinel://:s%40cret@s1:26380,s2,[::1]:26381/mymaster/3' })).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: '::1', port: 26381 }],
      master: 'mymaster',
      password: 's@cret',
      db: 3,
    });
  });

  it('reads DOCKHAND_REDIS_SENTINELS and DOCKHAND_REDIS_MASTER, with the password of REDIS_URL', () => {
    expect(parseRedisTarget({ DOCKHAND_REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379', DOCKHAND_REDIS_MASTER: 'dh', REDIS_URL: 'redis://:pw@ignored:1' })).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      master: 'dh',
      password: 'pw',
    });
  });

  it('says what to fix when the master or the sentinels are missing', () => {
    for (const env of [{ REDIS_URL: 'redis+sentinel://s1:26379' }, { DOCKHAND_REDIS_SENTINELS: 's1' }, { REDIS_URL: 'redis+sentinel://s1:99999/m' }]) {
      let caught: unknown;
      try {
        parseRedisTarget(env);
      } catch (err) {
        caught = err;
      }
      expect(isDhError(caught) && caught.code === 'DH_ERR_CONFIG').toBe(true);
    }
  });

  it('never shows a password in a description', () => {
    expect(describeRedisTarget(parseRedisTarget({ REDIS_URL: 'redis://:pw@h:1' }))).toBe('redis://***@h:1');
    expect(describeRedisTarget(parseRedisTarget({ REDIS_URL: 'redis+sentinel://:pw@a:1,b:2/m' }))).toBe('master "m" via sentinels a:1,b:2');
  });
});
