/**
 * IronWorker's REST API v2 under `/2`, so IronWorker clients work against Dockhand unchanged. The
 * routes are thin translations over the same services as the native `/v1` routes; this plugin adds
 * what IronWorker clients expect around them: `{"msg"}` errors, a JSON parser that takes an empty
 * body as `{}`, and the rule that the project in the path is the token's (else 404).
 *
 *   await registerIronWorkerApi(app, ctx);   // after the auth hook that covers /2/
 */
import type { FastifyInstance } from 'fastify';
import { DhError } from '../../core/errors.ts';
import type { AppContext } from '../../service/context.ts';
import { projectOf } from '../auth.ts';
import { registerIronCodeRoutes } from './codes.ts';
import { sendIronError } from './errors.ts';
import { registerIronProjectRoutes } from './projects.ts';
import { registerIronScheduleRoutes } from './schedules.ts';
import { registerIronStackRoutes } from './stacks.ts';
import { registerIronTaskRoutes } from './tasks.ts';
import { registerIronWebhookRoutes } from './webhook.ts';

export const IRONWORKER_PREFIX = '/2';

export async function registerIronWorkerApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(
    async (iw) => {
      iw.setErrorHandler((err, request, reply) => sendIronError(err, request, reply));
      iw.setNotFoundHandler((request, reply) =>
        reply.status(404).send({ msg: `No route ${request.method} ${request.url.split('?')[0]}.`, code: 'DH_ERR_NOT_FOUND' }),
      );
      // IronWorker clients POST `{}` or nothing at all to cancel, retry and pause; both mean "no fields".
      iw.removeContentTypeParser('application/json');
      iw.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        const text = String(body).trim();
        if (text === '') return done(null, {});
        try {
          done(null, JSON.parse(text));
        } catch (err) {
          done(new DhError('DH_ERR_BAD_JSON', `The request body is not valid JSON: ${(err as Error).message}.`), undefined);
        }
      });
      iw.addHook('onRequest', async (request) => {
        const projectId = (request.params as Record<string, string> | undefined)?.['project_id'];
        if (projectId !== undefined && projectId !== projectOf(request).id) {
          throw new DhError('DH_ERR_PROJECT_NOT_FOUND', `Project ${projectId} not found: the token belongs to another project (use the project id that came with the token).`);
        }
      });
      registerIronProjectRoutes(iw);
      registerIronStackRoutes(iw, ctx);
      registerIronCodeRoutes(iw, ctx);
      registerIronTaskRoutes(iw, ctx);
      await iw.register(async (webhook) => registerIronWebhookRoutes(webhook, ctx));
      registerIronScheduleRoutes(iw, ctx);
    },
    { prefix: IRONWORKER_PREFIX },
  );
}
