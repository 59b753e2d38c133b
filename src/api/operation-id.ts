/**
 * The OpenAPI operationId of a route: a name from OPERATION_NAMES where one was chosen, else one
 * derived from the method and path by a fixed rule, so a route added without thinking of the document
 * still gets a stable, unique id (the rule is injective: method and path are spelled out in full).
 * Pure.
 *
 *   operationId('GET', '/v1/tasks/{id}')                     // 'getTask' (named)
 *   operationId('POST', '/v1/codes/{name}/revisions/{rev}/restore')
 *   // 'restoreCodeRevision' (named); unnamed routes: 'postCodesByNameRevisionsByRevRestore'
 */

/** Names for generated clients to read well. Changing one breaks those clients: add, never rename. */
export const OPERATION_NAMES: Readonly<Record<string, string>> = {
  'GET /health': 'getHealth',
  'GET /metrics': 'getMetrics',
  'GET /v1/openapi.json': 'getOpenApiDocument',
  'GET /v1/stacks': 'listStacks',
  'POST /v1/codes': 'uploadCode',
  'GET /v1/codes': 'listCodes',
  'GET /v1/codes/{name}': 'getCode',
  'DELETE /v1/codes/{name}': 'deleteCode',
  'GET /v1/codes/{name}/revisions': 'listCodeRevisions',
  'GET /v1/codes/{name}/revisions/{rev}': 'getCodeRevision',
  'POST /v1/codes/{name}/revisions/{rev}/restore': 'restoreCodeRevision',
  'GET /v1/codes/{name}/download': 'downloadCode',
  'POST /v1/codes/{name}/pause': 'pauseCodeQueue',
  'POST /v1/codes/{name}/resume': 'resumeCodeQueue',
  'GET /v1/codes/{name}/queue': 'getCodeQueue',
  'POST /v1/tasks': 'queueTasks',
  'GET /v1/tasks': 'listTasks',
  'GET /v1/tasks/{id}': 'getTask',
  'GET /v1/tasks/{id}/wait': 'waitForTask',
  'GET /v1/tasks/{id}/log': 'getTaskLog',
  'POST /v1/tasks/{id}/cancel': 'cancelTask',
  'POST /v1/tasks/{id}/retry': 'retryTask',
  'GET /v1/tasks/{id}/trace': 'getTaskTrace',
  'POST /v1/tasks/{id}/progress': 'reportTaskProgress',
  'POST /v1/traces': 'exportTraces',
  'POST /v1/schedules': 'createSchedule',
  'GET /v1/schedules': 'listSchedules',
  'POST /v1/schedules/apply': 'applySchedules',
  'GET /v1/schedules/{id}': 'getSchedule',
  'PUT /v1/schedules/{id}': 'replaceSchedule',
  'DELETE /v1/schedules/{id}': 'deleteSchedule',
  'POST /v1/schedules/{id}/pause': 'pauseSchedule',
  'POST /v1/schedules/{id}/resume': 'resumeSchedule',
  'POST /v1/schedules/{id}/cancel': 'cancelSchedule',
  'GET /v1/schedules/{id}/history': 'getScheduleHistory',
  'GET /v1/nodes': 'listNodes',
  'GET /v1/nodes/{id}': 'getNode',
  'POST /v1/projects': 'createProject',
};

/** `GET /v1/codes/{name}/revisions` -> `getCodesByNameRevisions`; `/v1/openapi.json` -> `OpenapiJson`. */
export function derivedOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/v1(?=\/|$)/, '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `By${pascal(param[1]!)}` : pascal(segment);
    });
  return `${method.toLowerCase()}${words.join('')}`;
}

export function operationId(method: string, path: string): string {
  return OPERATION_NAMES[`${method.toUpperCase()} ${path}`] ?? derivedOperationId(method, path);
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => `${part[0]!.toUpperCase()}${part.slice(1)}`)
    .join('');
}
