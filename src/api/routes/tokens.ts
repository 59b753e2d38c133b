/**
 * Tokens and sign-in links: `POST /v1/tokens` creates another token of the caller's project (full or
 * read-only); `GET /v1/tokens/current` says which project the token opens and whether it is read-only; `POST /v1/sign-in-links` makes a one-time dashboard link (read-only tokens may: the link
 * opens nothing more than they do); `POST /v1/sign-in-links/redeem` trades the link's code for a
 * short-lived token, and needs no token (the code is the credential).
 */
import type { FastifyInstance } from 'fastify';
import { SignInRedeemSchema, TokenRequestSchema } from '../../core/schemas/token-request.ts';
import type { AppContext } from '../../service/context.ts';
import { createProjectToken, createSignInLink, redeemSignInLink } from '../../service/tokens.ts';
import { projectOf } from '../auth.ts';
import { zodToDhError } from '../errors.ts';

/** POST routes a read-only token may call: they create nothing but a view of what it may read. */
export const READING_POST_ROUTES = new Set(['/v1/sign-in-links']);
/** Routes that take no token. */
export const TOKENLESS_ROUTES = new Set(['/v1/sign-in-links/redeem']);

export function registerTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/tokens', async (request, reply) => {
    const parsed = TokenRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'token request');
    return reply.status(201).send(await createProjectToken(ctx, projectOf(request).id, { readOnly: parsed.data.read_only ?? false }));
  });

  app.get('/v1/tokens/current', async (request) => {
    const project = projectOf(request);
    return { project_id: project.id, project_name: project.name, read_only: request.readOnly === true };
  });

  app.post('/v1/sign-in-links', async (request, reply) =>
    reply.status(201).send(await createSignInLink(ctx, { projectId: projectOf(request).id, readOnly: request.readOnly === true })),
  );

  app.post('/v1/sign-in-links/redeem', async (request) => {
    const parsed = SignInRedeemSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'sign-in link');
    return redeemSignInLink(ctx, parsed.data.code);
  });
}
