import { defineErrors } from '../platform/http/errors.ts';

export const AuthErrors = defineErrors({
  'invalid-token': {
    status: 401,
    title: 'Invalid token',
    description: 'The bearer token is malformed, signed by another key, or meant for another audience. Sign in again.',
  },
  'token-expired': {
    status: 401,
    title: 'Token expired',
    description: 'The access token has expired. Exchange the refresh token at POST /api/auth/refresh.',
  },
  'invalid-credentials': {
    status: 401,
    title: 'Invalid credentials',
    description: 'The email and password do not match an account (or the account is not in the organisation given by slug).',
  },
  'organisation-required': {
    status: 409,
    title: 'Organisation required',
    description: 'This email belongs to several organisations. Repeat the request with `slug`; `organisations` lists the slugs.',
  },
  'invalid-refresh-token': {
    status: 401,
    title: 'Invalid refresh token',
    description: 'The refresh token is unknown, expired or revoked. Sign in again.',
  },
  'refresh-token-reused': {
    status: 401,
    title: 'Refresh token reused',
    description: 'A refresh token was presented after it had already been rotated. Its whole family is now revoked; sign in again.',
  },
  'role-required': {
    status: 403,
    title: 'Role not allowed',
    description: 'This action needs another role (most management actions need `gestor`).',
  },
  'scope-not-allowed': {
    status: 403,
    title: 'API key scope does not allow this',
    description: 'API keys act only within their scope and can never manage keys, members or the plan. See docs/API.md for what each scope allows.',
  },
});
