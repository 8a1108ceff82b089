// Teams: named groups of members that records of restricted types can be
// shared with (the row ACL on records reads team_members). Gestores manage
// them; every member can list them and see their own memberships. Each
// change writes its audit entry and event in the same transaction.
import { recordAudit } from '../audit/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { toTeam, toTeamMember, type TeamMemberRow, type TeamRow } from './rows.ts';
import type { AddTeamMemberBody, CreateTeamBody, PatchTeamBody, Team, TeamDetail, TeamMember } from './teams.schemas.ts';
import {
  DELETE_MEMBER,
  DELETE_TEAM,
  INSERT_MEMBER,
  INSERT_TEAM,
  LIST_TEAMS,
  LOCK_TEAM,
  SELECT_MEMBERS,
  SELECT_TEAM,
  UPDATE_TEAM,
} from './teams.sql.ts';

/** What the audit log and events record of a team: not the caller-relative fields. */
function snapshot(team: Team) {
  return { id: team.id, name: team.name, description: team.description, created_at: team.created_at, updated_at: team.updated_at };
}

function userIdOf(call: TenantCall): string | null {
  return call.actor.type === 'user' ? call.actor.id : null;
}

async function loadTeam(tx: TenantTx, call: TenantCall, id: string): Promise<Team> {
  const { rows } = await tx.query<TeamRow>(SELECT_TEAM, [id, userIdOf(call)]);
  const row = rows[0];
  if (!row) throw new AppError(PlatformErrors['not-found'], 'No such team.');
  return toTeam(row);
}

async function lockTeam(tx: TenantTx, id: string): Promise<void> {
  const { rows } = await tx.query(LOCK_TEAM, [id]);
  if (rows.length === 0) throw new AppError(PlatformErrors['not-found'], 'No such team.');
}

async function loadMembers(tx: TenantTx, id: string): Promise<TeamMember[]> {
  const { rows } = await tx.query<TeamMemberRow>(SELECT_MEMBERS, [id]);
  return rows.map(toTeamMember);
}

/** Unique names and membership of the organisation are the database's to decide; these are its answers. */
function fromConstraint(error: unknown, name: string | undefined): AppError | undefined {
  if (!isPgError(error)) return undefined;
  if (error.code === '23505' && error.constraint === 'teams_name_key') {
    return new AppError(PlatformErrors.conflict, `A team named "${name ?? ''}" already exists in this organisation (names ignore case).`);
  }
  if (error.code === '23503' && error.constraint === 'team_members_user_fkey') {
    return new AppError(PlatformErrors['validation-failed'], '1 invalid field: /user_id is not a member of this organisation', [
      { pointer: '/user_id', message: 'is not a member of this organisation', in: 'body' },
    ]);
  }
  // The team was deleted by a concurrent request after this one found it.
  if (error.code === '23503' && error.constraint === 'team_members_team_fkey') {
    return new AppError(PlatformErrors['not-found'], 'No such team.');
  }
  return undefined;
}

export class TeamsService {
  constructor(private readonly db: Database) {}

  private async run<T>(call: TenantCall, name: string | undefined, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    try {
      return await this.db.tenant.transaction(call.scope, work);
    } catch (error) {
      throw fromConstraint(error, name) ?? error;
    }
  }

  async list(call: TenantCall): Promise<Team[]> {
    const { rows } = await this.db.tenant.query<TeamRow>(call.scope, LIST_TEAMS, [userIdOf(call)]);
    return rows.map(toTeam);
  }

  /** Gestores see every member of the team; a cliente sees only their own membership. */
  async get(call: TenantCall, id: string): Promise<TeamDetail> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const team = await loadTeam(tx, call, id);
      const members = await loadMembers(tx, id);
      const visible = call.role === 'gestor' ? members : members.filter((member) => member.user_id === userIdOf(call));
      return { ...team, members: visible };
    });
  }

  async create(call: TenantCall, body: CreateTeamBody): Promise<TeamDetail> {
    const id = newId();
    return this.run(call, body.name, async (tx) => {
      await tx.query(INSERT_TEAM, [id, body.name, body.description ?? null, userIdOf(call)]);
      const team = await loadTeam(tx, call, id);
      await recordAudit(tx, { actor: call.actor, action: 'team.created', target: { type: 'team', id }, after: snapshot(team), origin: call.origin });
      await emitEvent(tx, { type: 'team.created', subject: { type: 'team', id }, payload: { team: snapshot(team) } });
      return { ...team, members: [] };
    });
  }

  async update(call: TenantCall, id: string, patch: PatchTeamBody): Promise<TeamDetail> {
    return this.run(call, patch.name, async (tx) => {
      await lockTeam(tx, id);
      const before = await loadTeam(tx, call, id);
      const name = patch.name ?? before.name;
      const description = patch.description === undefined ? before.description : patch.description;
      let after = before;
      if (name !== before.name || description !== before.description) {
        await tx.query(UPDATE_TEAM, [id, name, description]);
        after = await loadTeam(tx, call, id);
        await recordAudit(tx, {
          actor: call.actor,
          action: 'team.updated',
          target: { type: 'team', id },
          before: snapshot(before),
          after: snapshot(after),
          origin: call.origin,
        });
        await emitEvent(tx, { type: 'team.updated', subject: { type: 'team', id }, payload: { team: snapshot(after), before: snapshot(before) } });
      }
      return { ...after, members: await loadMembers(tx, id) };
    });
  }

  async remove(call: TenantCall, id: string): Promise<void> {
    await this.run(call, undefined, async (tx) => {
      await lockTeam(tx, id);
      const team = await loadTeam(tx, call, id);
      const members = await loadMembers(tx, id);
      await tx.query(DELETE_TEAM, [id]);
      const before = { ...snapshot(team), members: members.map((member) => member.user_id) };
      await recordAudit(tx, { actor: call.actor, action: 'team.deleted', target: { type: 'team', id }, before, origin: call.origin });
      await emitEvent(tx, { type: 'team.deleted', subject: { type: 'team', id }, payload: { team: before } });
    });
  }

  /** 409 when already in the team; 422 when the user is not a member of this organisation (the composite foreign key decides). */
  async addMember(call: TenantCall, id: string, body: AddTeamMemberBody): Promise<TeamMember> {
    return this.run(call, undefined, async (tx) => {
      await lockTeam(tx, id);
      const { rows } = await tx.query(INSERT_MEMBER, [id, body.user_id, userIdOf(call)]);
      if (rows.length === 0) throw new AppError(PlatformErrors.conflict, 'This member is already in the team.');
      const member = (await loadMembers(tx, id)).find((entry) => entry.user_id === body.user_id) as TeamMember;
      const change = { team_id: id, user_id: body.user_id };
      await recordAudit(tx, { actor: call.actor, action: 'team.member_added', target: { type: 'team', id }, after: change, origin: call.origin });
      await emitEvent(tx, { type: 'team.member_added', subject: { type: 'team', id }, payload: change });
      return member;
    });
  }

  async removeMember(call: TenantCall, id: string, userId: string): Promise<void> {
    await this.run(call, undefined, async (tx) => {
      await lockTeam(tx, id);
      const { rows } = await tx.query(DELETE_MEMBER, [id, userId]);
      if (rows.length === 0) throw new AppError(PlatformErrors['not-found'], 'No such member in this team.');
      const change = { team_id: id, user_id: userId };
      await recordAudit(tx, { actor: call.actor, action: 'team.member_removed', target: { type: 'team', id }, before: change, origin: call.origin });
      await emitEvent(tx, { type: 'team.member_removed', subject: { type: 'team', id }, payload: change });
    });
  }
}
