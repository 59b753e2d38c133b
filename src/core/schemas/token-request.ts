/**
 * What a project token sends to create another token of its project (`POST /v1/tokens`,
 * `dockhand projects token create [--read-only]`) and what a dashboard sends to redeem a sign-in link.
 */
import { z } from 'zod';

export const TokenRequestSchema = z.strictObject({
  read_only: z.boolean().optional().describe('a token that may list and read but not change anything'),
});

export const SignInRedeemSchema = z.strictObject({
  code: z.string().min(16, 'a sign-in code is the long code after #sign-in= in the link').max(128),
});

export type TokenRequest = z.infer<typeof TokenRequestSchema>;
