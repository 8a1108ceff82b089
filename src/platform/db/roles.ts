// The database roles Tessera runs with. Roles are cluster-wide, so creating
// them is idempotent and tolerates another process creating them at the same
// moment. See docs/ARCHITECTURE.md ("Roles") for why there are four.
import type pg from 'pg';
import { escapeIdentifier, escapeLiteral } from 'pg';

export const ROLES = {
  /** Owns every table and runs migrations. Never serves requests. */
  owner: 'tessera_owner',
  /** Serves requests: owns nothing, no superuser, no BYPASSRLS. */
  app: 'tessera_app',
  /** Platform operators' routes: cross-tenant reads of the tenant directory only. */
  operator: 'tessera_operator',
  /** Owns the SECURITY DEFINER lookups that run before a tenant is known. Cannot log in. */
  auth: 'tessera_auth',
} as const;

export interface RolePasswords {
  app?: string | undefined;
  operator?: string | undefined;
}

const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';

function isRaceOnCreate(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === DUPLICATE_OBJECT || code === UNIQUE_VIOLATION;
}

async function roleExists(admin: pg.ClientBase, role: string): Promise<boolean> {
  const { rowCount } = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
  return rowCount === 1;
}

async function createRole(admin: pg.ClientBase, role: string, attributes: string): Promise<void> {
  if (await roleExists(admin, role)) return;
  try {
    await admin.query(`create role ${escapeIdentifier(role)} ${attributes}`);
  } catch (error) {
    if (!isRaceOnCreate(error)) throw error;
  }
}

function loginAttributes(password: string | undefined): string {
  const base = 'login nosuperuser nocreatedb nocreaterole noinherit nobypassrls';
  return password === undefined ? base : `${base} password ${escapeLiteral(password)}`;
}

/**
 * Creates the four roles if they are missing. Needs a connection that may
 * create roles; when the roles already exist (a managed database prepared by
 * an operator) it only checks them.
 */
export async function ensureRoles(admin: pg.ClientBase, passwords: RolePasswords): Promise<void> {
  const { rows } = await admin.query<{ rolsuper: boolean; rolcreaterole: boolean }>(
    'select rolsuper, rolcreaterole from pg_roles where rolname = current_user',
  );
  const canCreate = rows[0]?.rolsuper === true || rows[0]?.rolcreaterole === true;
  if (!canCreate) {
    for (const role of Object.values(ROLES)) {
      if (!(await roleExists(admin, role))) {
        throw new Error(
          `database role ${role} is missing and the DATABASE_URL user may not create roles; ` +
            'create the roles as described in docs/OPERATIONS.md or use a user with CREATEROLE',
        );
      }
    }
    return;
  }
  await createRole(admin, ROLES.owner, 'nologin nosuperuser nobypassrls');
  await createRole(admin, ROLES.auth, 'nologin nosuperuser nobypassrls');
  await createRole(admin, ROLES.app, loginAttributes(passwords.app));
  await createRole(admin, ROLES.operator, loginAttributes(passwords.operator));
  // The owner hands ownership of the definer functions to tessera_auth, which
  // requires membership. Granting an existing membership is a harmless notice.
  await admin.query(`grant ${ROLES.auth} to ${ROLES.owner}`);
  if (rows[0]?.rolsuper !== true) await admin.query(`grant ${ROLES.owner} to current_user`);
}

/** Per-database grants the roles need before migrations run. */
export async function prepareDatabase(admin: pg.ClientBase): Promise<void> {
  const { rows } = await admin.query<{ db: string }>('select current_database() as db');
  const database = escapeIdentifier(rows[0]?.db ?? '');
  await admin.query(`grant connect on database ${database} to ${ROLES.app}, ${ROLES.operator}`);
  await admin.query(`grant usage, create on schema public to ${ROLES.owner}, ${ROLES.auth}`);
  await admin.query(`grant usage on schema public to ${ROLES.app}, ${ROLES.operator}`);
}
