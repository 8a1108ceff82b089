// `tessera operator create --email EMAIL`. Operators are platform staff, not
// members of an organisation. The runtime roles may only read the operators
// table, so the account is written as the owner role over the admin
// connection. The password is random and printed once; only its hash is kept.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../auth/index.ts';
import type { Config } from '../../config.ts';
import { isPgError } from '../../platform/db/sqlstate.ts';
import { ROLES } from '../../platform/db/roles.ts';
import { newId } from '../../platform/ids.ts';
import { withProvisionedDatabase } from '../database.ts';
import { UsageError } from '../usage.ts';

// The "email" format of ajv-formats (full mode), which the sign-in route
// validates with: an address accepted here can always sign in.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

export class OperatorExistsError extends Error {
  constructor(readonly email: string) {
    super(`An operator with the email ${email} already exists.`);
    this.name = 'OperatorExistsError';
  }
}

export interface CreatedOperator {
  id: string;
  email: string;
  /** The one-time password, in clear: show it once and forget it. */
  password: string;
}

/** The address as stored (lowercase), or a UsageError saying what is wrong. */
export function normaliseOperatorEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw new UsageError(`--email: "${raw}" is not a valid email address.`);
  return email;
}

/** Creates the operator through an admin connection (a superuser or a member of tessera_owner). */
export async function createOperator(adminUrl: string, rawEmail: string): Promise<CreatedOperator> {
  const email = normaliseOperatorEmail(rawEmail);
  // 144 random bits, URL-safe so it survives copying from a terminal.
  const password = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(password);
  const id = newId();
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'tessera-cli' });
  await client.connect();
  try {
    await client.query(`set role ${ROLES.owner}`);
    await client.query('insert into operators (id, email, password_hash) values ($1, $2, $3)', [id, email, passwordHash]);
  } catch (error) {
    if (isPgError(error) && error.code === '23505' && error.constraint === 'operators_email_key') throw new OperatorExistsError(email);
    throw error;
  } finally {
    await client.end();
  }
  return { id, email, password };
}

export async function operatorCreateCommand(config: Config, rawEmail: string, out: (line: string) => void): Promise<void> {
  // Checked before the database is touched, so a typo fails fast.
  normaliseOperatorEmail(rawEmail);
  const created = await withProvisionedDatabase(config, (database) => createOperator(database.adminUrl, rawEmail));
  out(`Created operator ${created.email} (id ${created.id}).`);
  out(`Password: ${created.password}`);
  out('This password is shown only once and cannot be recovered. Sign in with POST /api/admin/auth/login.');
}
