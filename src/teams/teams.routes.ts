import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import {
  AddTeamMemberBody,
  CreateTeamBody,
  PatchTeamBody,
  TeamDetailSchema,
  TeamListSchema,
  TeamMemberParams,
  TeamMemberSchema,
} from './teams.schemas.ts';
import type { TeamsService } from './teams.service.ts';

const security = [{ bearer: [] }];
const tags = ['teams'];
const noContent = (description: string) => ({ type: 'null', description }) as const;

export function teamsRoutes(service: TeamsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Teams are groups of members: gestores manage them, every member may
    // read them. No API key scope is accepted (keys are not members).
    const gestor = auth.tenant({ roles: ['gestor'] });
    const member = auth.tenant({ roles: ['gestor', 'cliente'] });

    app.post(
      '/api/teams',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Create a team (gestor)',
          description: 'Names are unique in the organisation, ignoring case: a taken name is 409 `conflict`.',
          security,
          body: CreateTeamBody,
          response: { 201: TeamDetailSchema, ...problemResponses(401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/teams',
      {
        onRequest: member,
        schema: {
          tags,
          summary: "The organisation's teams, by name, with their size and whether the caller is in each (members)",
          security,
          response: { 200: TeamListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/teams/:id',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'One team with its members (members)',
          description: 'A gestor sees every member of the team; a cliente sees only their own membership.',
          security,
          params: IdParams,
          response: { 200: TeamDetailSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.get(tenantCallOf(request), request.params.id),
    );

    app.patch(
      '/api/teams/:id',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: "Rename a team or change its description (gestor)",
          description: 'A name another team has (ignoring case) is 409 `conflict`. A change that changes nothing answers the team as it is.',
          security,
          params: IdParams,
          body: PatchTeamBody,
          response: { 200: TeamDetailSchema, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request) => service.update(tenantCallOf(request), request.params.id, request.body),
    );

    app.delete(
      '/api/teams/:id',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Delete a team (gestor)',
          description: 'Its memberships, and every record share naming it, go with it.',
          security,
          params: IdParams,
          response: { 204: noContent('Deleted'), ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await service.remove(tenantCallOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/teams/:id/members',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Add a member to a team (gestor)',
          description:
            'A member already in the team is 409 `conflict`; a `user_id` that is not a member of this organisation is 422 `validation-failed` naming `/user_id`.',
          security,
          params: IdParams,
          body: AddTeamMemberBody,
          response: { 201: TeamMemberSchema, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.addMember(tenantCallOf(request), request.params.id, request.body)),
    );

    app.delete(
      '/api/teams/:id/members/:user_id',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Remove a member from a team (gestor)',
          description: 'A member who is not in the team is 404.',
          security,
          params: TeamMemberParams,
          response: { 204: noContent('Removed'), ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await service.removeMember(tenantCallOf(request), request.params.id, request.params.user_id);
        return reply.code(204).send();
      },
    );
  };
}
