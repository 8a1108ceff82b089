import { Type } from '@sinclair/typebox';
import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import {
  AcceptInvitationBody,
  AcceptInvitationResponse,
  CreatedInvitationSchema,
  CreateInvitationBody,
  InvitationListSchema,
  MemberListSchema,
  PatchMemberBody,
} from './members.schemas.ts';
import type { MembersService } from './members.service.ts';
import { originOf } from '../platform/http/origin.ts';

const security = [{ bearer: [] }];
const noContent = (description: string) => ({ type: 'null', description }) as const;

export function membersRoutes(service: MembersService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Members and invitations belong to gestores only: the product documentation
    // gives a cliente "no access to billing or other members", and no API key
    // scope is accepted.
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.get(
      '/api/tenants/atual/members',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: "The organisation's members (gestor)",
          security,
          response: { 200: MemberListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.patch(
      '/api/tenants/atual/members/:id',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: "Change a member's role or nome (gestor)",
          description:
            'The organisation always keeps a gestor: demoting the only one is 409 `last-gestor`. After a role change the member\'s current access tokens are refused (401 `membership-changed`); a refresh gives a token with the new role.',
          security,
          params: IdParams,
          body: PatchMemberBody,
          response: { 200: Type.Ref('Member'), ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request) => service.update(tenantCallOf(request), request.params.id, request.body),
    );

    app.delete(
      '/api/tenants/atual/members/:id',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: 'Remove a member (gestor)',
          description:
            'Deletes the member and their refresh tokens; their access tokens are refused from now on. Removing the only gestor is 409 `last-gestor`.',
          security,
          params: IdParams,
          response: { 204: noContent('Removed'), ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        await service.remove(tenantCallOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/tenants/atual/invitations',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: 'Invite someone by email (gestor)',
          description:
            'Answers the invitation and its token (`tsi_...`), only this once; the token is valid for 7 days and is accepted at POST /api/invitations/accept. ' +
            'An email that is already a member is 409 `member-exists`. Inviting an email that has a pending invitation revokes that one and issues a new token ' +
            '(so "resend" needs no clean-up, and only the newest link works).',
          security,
          body: CreateInvitationBody,
          response: { 201: CreatedInvitationSchema, ...problemResponses(401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.invitations.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/tenants/atual/invitations',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: 'List invitations (gestor), newest first, with their status; never the token',
          security,
          response: { 200: InvitationListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.invitations.list(tenantCallOf(request)) }),
    );

    app.delete(
      '/api/tenants/atual/invitations/:id',
      {
        onRequest: gestor,
        schema: {
          tags: ['members'],
          summary: 'Revoke an invitation (gestor)',
          description:
            'Its token stops working at once. Revoking an invitation that is already revoked or expired changes nothing (204); an accepted one is 409 `invitation-used` (remove the member instead).',
          security,
          params: IdParams,
          response: { 204: noContent('Revoked'), ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        await service.invitations.revoke(tenantCallOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/invitations/accept',
      {
        schema: {
          tags: ['members'],
          summary: 'Accept an invitation: become a member and sign in',
          description:
            'Public; rate-limited per IP (20 a minute). Creates the member with the invited email and role, marks the invitation accepted and answers a session, in one transaction. ' +
            'The token is a credential, so a malformed, unknown or non-matching one is 401 `invitation-invalid` and says nothing more. ' +
            'Once the token matches: expired is 410 `invitation-expired` and revoked is 410 `invitation-revoked` (it existed and is gone for good: ask for a new one); ' +
            'already accepted is 409 `invitation-used` (sign in instead); an email that is already a member is 409 `member-exists`. ' +
            'A suspended organisation is 403 `organisation-inactive`. The same email may be a member of other organisations; sign-in then asks for the slug.',
          body: AcceptInvitationBody,
          response: { 201: AcceptInvitationResponse, ...problemResponses(401, 403, 409, 410, 422, 429) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await service.invitations.accept(request.body, originOf(request))),
    );
  };
}
