/** What the auth feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { takeLimit } from './abuse-limits.ts';
export { sendAccountEmail, sendNotificationEmail } from './account-emails.ts';
export { AuthPayload, started } from './auth.graphql.ts';
export { EmailSchema } from './auth.schemas.ts';
export { type AuthResult, createSession, signUp } from './auth.service.ts';
export { credentialBoundChannel, liveValue, type Revoked } from './live-credentials.ts';
export { newOneTimeToken, presentedTokenHash } from './one-time-tokens.ts';
export { hashPassword, PasswordSchema, verifyPassword } from './passwords.ts';
