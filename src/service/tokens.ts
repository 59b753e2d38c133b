/**
 * More tokens for a project: full or read-only ones (`POST /v1/tokens`), and the dashboard's one-time
 * sign-in links (`dockhand open`): a code valid for a minute that a browser exchanges, once, for a
 * token of the same access that expires after a working day. A read-only token only ever begets
 * read-only tokens and links.
 *
 *   const { token } = await createProjectToken(ctx, project.id, { readOnly: true });
 *   const link = await createSignInLink(ctx, { projectId: project.id, readOnly: false });
 *   const session = await redeemSignInLink(ctx, link.code);   // a second time: DH_ERR_UNAUTHORIZED
 */
import { DhError } from '../core/errors.ts';
import type { AppContext } from './context.ts';

/** A sign-in link is for a person clicking it right away. */
export const SIGN_IN_CODE_TTL_SECONDS = 60;
/** The dashboard's token lives in the tab's session storage; it also expires on the server. */
export const SIGN_IN_SESSION_TTL_SECONDS = 12 * 3600;

export interface IssuedToken {
  token: string;
  read_only: boolean;
  expires_at?: string;
}

export async function createProjectToken(ctx: AppContext, projectId: string, options: { readOnly: boolean }): Promise<IssuedToken> {
  const token = await ctx.projects.addToken(projectId, { readOnly: options.readOnly });
  return { token, read_only: options.readOnly };
}

export async function createSignInLink(ctx: AppContext, grant: { projectId: string; readOnly: boolean }): Promise<{ code: string; path: string; expires_at: string }> {
  const code = await ctx.projects.createSignInCode(grant, SIGN_IN_CODE_TTL_SECONDS);
  // The code travels in the fragment: browsers never send it to a server, and the page removes it.
  return { code, path: `/ui/#sign-in=${code}`, expires_at: new Date(Date.now() + SIGN_IN_CODE_TTL_SECONDS * 1000).toISOString() };
}

export async function redeemSignInLink(ctx: AppContext, code: string): Promise<IssuedToken> {
  const grant = await ctx.projects.redeemSignInCode(code);
  if (!grant) throw new DhError('DH_ERR_UNAUTHORIZED', 'This sign-in link was used already or has expired (links last a minute): run `dockhand open` again.');
  const token = await ctx.projects.addToken(grant.projectId, { readOnly: grant.readOnly, ttlSeconds: SIGN_IN_SESSION_TTL_SECONDS });
  return { token, read_only: grant.readOnly, expires_at: new Date(Date.now() + SIGN_IN_SESSION_TTL_SECONDS * 1000).toISOString() };
}
