import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { LoginBody, LoginResponse, RefreshBody, SessionSchema } from './auth.schemas.ts';
import type { AuthService } from './auth.service.ts';
import { originOf } from '../platform/http/origin.ts';

export function authRoutes(service: AuthService) {
  return async function routes(app: App): Promise<void> {
    app.post(
      '/api/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Sign in a member',
          description: 'Rate-limited per IP and per email. `slug` is needed when the email belongs to several organisations.',
          body: LoginBody,
          response: { 200: LoginResponse, ...problemResponses(401, 403, 409, 422, 429) },
        },
      },
      async (request) => service.login(request.body, originOf(request)),
    );

    app.post(
      '/api/auth/refresh',
      {
        schema: {
          tags: ['auth'],
          summary: 'Rotate a refresh token',
          description: 'Answers a new access token and a new refresh token. Reusing a rotated refresh token revokes its whole family.',
          body: RefreshBody,
          response: { 200: SessionSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.refresh(request.body.refresh_token, originOf(request)),
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'Sign out: revoke the refresh token and its family',
          body: RefreshBody,
          response: { 204: { type: 'null', description: 'Signed out' }, ...problemResponses(422) },
        },
      },
      async (request, reply) => {
        await service.logout(request.body.refresh_token, originOf(request));
        return reply.code(204).send();
      },
    );
  };
}
