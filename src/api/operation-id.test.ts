import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES, derivedOperationId, operationId } from './operation-id.ts';

describe('operationId', () => {
  it('uses the chosen name of a known route', () => {
    expect(operationId('get', '/v1/tasks/{id}')).toBe('getTask');
  });

  it('derives a stable name for a route nobody named', () => {
    expect(operationId('GET', '/v1/dashboard/overview')).toBe('getDashboardOverview');
    expect(derivedOperationId('POST', '/v1/codes/{name}/revisions/{rev}/restore')).toBe('postCodesByNameRevisionsByRevRestore');
    expect(derivedOperationId('GET', '/v1/openapi.json')).toBe('getOpenapiJson');
    expect(derivedOperationId('GET', '/health')).toBe('getHealth');
  });

  it('never gives two routes the same name', () => {
    const names = Object.values(OPERATION_NAMES);
    expect(new Set(names).size).toBe(names.length);
    const derived = Object.keys(OPERATION_NAMES).map((key) => derivedOperationId(key.split(' ')[0]!, key.split(' ')[1]!));
    expect(new Set(derived).size).toBe(derived.length);
  });
});
