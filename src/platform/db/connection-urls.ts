// When only DATABASE_URL is given, the runtime and operator connections use
// the same server and database with their own role names. Passwords then come
// from DATABASE_APP_URL / DATABASE_OPERATOR_URL, or the server trusts local
// connections (as the CI machine's PostgreSQL does).
import { ROLES } from './roles.ts';

export function withUser(databaseUrl: string, user: string, password?: string): string {
  const url = new URL(databaseUrl);
  url.username = user;
  url.password = password ?? '';
  return url.toString();
}

export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface ConnectionUrls {
  adminUrl: string;
  appUrl: string;
  operatorUrl: string;
}

export function deriveConnectionUrls(adminUrl: string, appUrl: string | null, operatorUrl: string | null): ConnectionUrls {
  return {
    adminUrl,
    appUrl: appUrl ?? withUser(adminUrl, ROLES.app),
    operatorUrl: operatorUrl ?? withUser(adminUrl, ROLES.operator),
  };
}
