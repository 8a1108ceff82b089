// Database rows to API shapes: timestamps as ISO 8601 strings.
import type { Member, Tenant } from './tenancy.schemas.ts';

export interface TenantRow extends Omit<Tenant, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}
export interface MemberRow extends Omit<Member, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

export function toTenant(row: TenantRow): Tenant {
  return { ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export function toMember(row: MemberRow): Member {
  return { ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}
