/**
 * `POST /2/projects/{project_id}/tasks/webhook?code_name=X`: queues a task whose payload is the raw
 * request body, whatever its content type, so any service that can call a URL can start a task. The
 * query takes IronWorker's task options (priority, timeout, delay, cluster, label); the token may come
 * as `?oauth=`. Registered in its own plugin so its "any body, as bytes" parser stays here.
 */
import type { FastifyInstance } from 'fastify';
import { ironTaskRequest } from '../../core/schemas/ironworker-task.ts';
import type { AppContext } from '../../service/context.ts';
import { queueTask } from '../../service/tasks.ts';
import { projectOf } from '../auth.ts';
import { requestTrace } from '../http-tracing.ts';
import { ironInvalid } from './errors.ts';

export function registerIronWebhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/projects/:project_id/tasks/webhook', { bodyLimit: ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES, config: { trace: true } }, async (request) => {
    const project = projectOf(request);
    const body = request.body;
    const payload = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
    const { oauth: _token, ...options } = request.query as Record<string, unknown>;
    const parsed = ironTaskRequest(options, payload);
    if (!parsed.ok) throw ironInvalid(parsed, 'webhook query');
    const trace = requestTrace(request);
    const task = await queueTask(ctx, project.id, parsed.value, trace ? { trace } : {});
    return { id: task.id, msg: 'Queued up.' };
  });
}
