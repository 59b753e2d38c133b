/**
 * The span attribute names Dockhand writes. Stable OpenTelemetry semantic conventions are imported;
 * the incubating ones (messaging, container runtime, process exit) are copied here as the
 * semantic-conventions package advises, so a minor release renaming them cannot change our output
 * unnoticed. Dockhand's own attributes live under `dockhand.`.
 *
 *   span.setAttributes({ [ATTR.taskId]: task.id, [ATTR.codeName]: task.code_name });
 */
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CONTAINER_ID,
  ATTR_CONTAINER_IMAGE_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

export const ATTR = {
  // HTTP (stable)
  httpMethod: ATTR_HTTP_REQUEST_METHOD,
  httpStatus: ATTR_HTTP_RESPONSE_STATUS_CODE,
  httpRoute: ATTR_HTTP_ROUTE,
  urlFull: ATTR_URL_FULL,
  urlPath: ATTR_URL_PATH,
  urlScheme: ATTR_URL_SCHEME,
  serverAddress: ATTR_SERVER_ADDRESS,
  serverPort: ATTR_SERVER_PORT,
  clientAddress: ATTR_CLIENT_ADDRESS,
  userAgent: ATTR_USER_AGENT_ORIGINAL,
  errorType: ATTR_ERROR_TYPE,
  serviceName: ATTR_SERVICE_NAME,

  // Containers (container.id and container.image.name are stable; the rest incubating)
  containerId: ATTR_CONTAINER_ID,
  containerImageName: ATTR_CONTAINER_IMAGE_NAME,
  containerName: 'container.name',
  containerRuntimeName: 'container.runtime.name',
  /** true: the attempt ran in a warm container started ahead of demand; false: one created for it. */
  containerWarm: 'dockhand.container.warm',
  processExitCode: 'process.exit.code',

  // Messaging (incubating)
  messagingSystem: 'messaging.system.name',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  messagingBodySize: 'messaging.message.body.size',

  // Dockhand's own
  taskId: 'dockhand.task.id',
  codeName: 'dockhand.code.name',
  nodeId: 'dockhand.node.id',
  projectId: 'dockhand.project.id',
  attempt: 'dockhand.task.attempt',
  status: 'dockhand.task.status',
  priority: 'dockhand.task.priority',
  delayMs: 'dockhand.task.delay_ms',
  retryOf: 'dockhand.task.retry_of',
  scheduleId: 'dockhand.schedule.id',
  image: 'dockhand.image',
  logBytes: 'dockhand.log.bytes',
  logTruncated: 'dockhand.log.truncated',
  resultBytes: 'dockhand.result.bytes',
  source: 'dockhand.span.source',
} as const;

/** `messaging.system.name` for our queues: Dockhand's own dispatch queue in Redis, so its own name. */
export const MESSAGING_SYSTEM = 'dockhand';

/** `messaging.destination.name` of a cluster's task queue, and the name in `send`/`process` spans. */
export function taskQueueDestination(cluster: string): string {
  return `tasks-${cluster}`;
}
