// Database rows to API shapes: timestamps as ISO 8601 strings.
import type { Team, TeamMember } from './teams.schemas.ts';

export interface TeamRow {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  is_member: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface TeamMemberRow {
  user_id: string;
  email: string;
  nome: string | null;
  role: TeamMember['role'];
  added_at: Date;
}

export function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    member_count: row.member_count,
    is_member: row.is_member,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toTeamMember(row: TeamMemberRow): TeamMember {
  return { user_id: row.user_id, email: row.email, nome: row.nome, role: row.role, added_at: row.added_at.toISOString() };
}
