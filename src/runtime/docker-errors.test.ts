import { describe, expect, it } from 'vitest';
import { DhError } from '../core/errors.ts';
import { dockerError, isEngineTransient, isNotFound, isNotRunning, isRemovalBusy } from './docker-errors.ts';

/** The shape dockerode gives an engine answer it did not expect. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });
}

describe('dockerError', () => {
  it('keeps the operation, container, id, image and HTTP status in the error', () => {
    const err = dockerError(engineError(500, 'OCI runtime create failed'), { op: 'start', container: 'dh-x-1', id: 'abc', image: 'img:1' });
    expect(err).toBeInstanceOf(DhError);
    expect(err.code).toBe('DH_ERR_INTERNAL');
    expect(err.message).toBe('Docker start of container dh-x-1, image img:1 failed: HTTP 500 OCI runtime create failed');
    expect(err.details).toEqual({ op: 'start', container: 'dh-x-1', id: 'abc', image: 'img:1', status: 500, engine: 'OCI runtime create failed' });
  });

  it('calls a create 409 a conflict and a missing image on create image-not-found', () => {
    expect(dockerError(engineError(409, 'name in use'), { op: 'create', container: 'dh-x-1' }).code).toBe('DH_ERR_CONFLICT');
    expect(dockerError(engineError(404, 'No such image: nope:1'), { op: 'create', image: 'nope:1' }).code).toBe('DH_ERR_IMAGE_NOT_FOUND');
  });

  it('calls a socket that does not answer an unavailable engine', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    const err = dockerError(refused, { op: 'ping' });
    expect(err.code).toBe('DH_ERR_DOCKER_UNAVAILABLE');
    expect(err.message).toContain('start dockerd or set DOCKER_HOST');
  });

  it('passes a DhError through unchanged', () => {
    const original = new DhError('DH_ERR_CONTAINER_LIMITS', 'dropped');
    expect(dockerError(original, { op: 'create' })).toBe(original);
  });
});

describe('engine answer predicates', () => {
  it('tells gone, not running and busy apart', () => {
    expect(isNotFound(engineError(404, 'No such container: x'))).toBe(true);
    expect(isNotRunning(engineError(409, 'Container abc is not running'))).toBe(true);
    expect(isNotRunning(engineError(500, 'Cannot kill container: abc: Container abc is not running'))).toBe(true);
    expect(isNotRunning(engineError(500, 'something else'))).toBe(false);
    expect(isRemovalBusy(engineError(409, 'removal of container abc is already in progress'))).toBe(true);
    expect(isRemovalBusy(engineError(500, 'unlinkat /var/lib/docker/x: device or resource busy'))).toBe(true);
    expect(isRemovalBusy(engineError(500, 'permission denied'))).toBe(false);
  });
  it('tells the errors of a dockerd stopping or just restarted from a request\'s own', () => {
    const restarting = Object.assign(new Error('(HTTP code 500) server error - failed to update store for object type *libnetwork.endpoint: open : no such file or directory'), { statusCode: 500 });
    expect(isEngineTransient(restarting)).toBe(true);
    expect(isEngineTransient(dockerError(restarting, { op: 'start', container: 'dh-x-1' }))).toBe(true);
    const containerdGoing = Object.assign(new Error('(HTTP code 500) server error - transport is closing: unavailable'), { statusCode: 500 });
    expect(isEngineTransient(dockerError(containerdGoing, { op: 'start', container: 'dh-x-1', image: 'img:1' }))).toBe(true);
    const ownFault = Object.assign(new Error('(HTTP code 500) server error - OCI runtime create failed: exec: "nope": executable file not found'), { statusCode: 500 });
    expect(isEngineTransient(ownFault)).toBe(false);
  });
});
