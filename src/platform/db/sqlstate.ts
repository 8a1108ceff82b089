// The one place a PostgreSQL error becomes an application error. Anything not
// listed stays an unexpected error (500) and is logged with its SQLSTATE.
import { AppError, defineErrors, PlatformErrors } from '../http/errors.ts';

export const DatabaseErrors = defineErrors({
  'organisation-inactive': {
    status: 403,
    title: 'Organisation suspended or cancelled',
    description:
      'The organisation behind this token or API key is suspended or cancelled; its tokens and keys are refused until an operator reactivates it.',
  },
  'membership-changed': {
    status: 401,
    title: 'Membership changed',
    description:
      'The member this token was issued to was removed, or their role changed, after the token was issued. Refresh the token (POST /api/auth/refresh) or sign in again.',
  },
  'write-conflict': {
    status: 409,
    title: 'Concurrent update',
    description: 'Another transaction changed the same data at the same time. Retry the request.',
  },
});

interface PgError {
  code: string;
  constraint?: string;
  message: string;
}

export function isPgError(error: unknown): error is PgError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}

const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH']);

function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  return (
    (typeof code === 'string' && CONNECTION_FAILURES.has(code)) ||
    (typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(message))
  );
}

/** Maps a PostgreSQL error to an AppError, or returns undefined for an unexpected one. */
export function fromSqlState(error: unknown): AppError | undefined {
  if (isConnectionFailure(error)) return new AppError(PlatformErrors.unavailable, 'The database is unreachable. Retry later.');
  if (!isPgError(error)) return undefined;
  switch (error.code) {
    case 'TS403':
      return new AppError(DatabaseErrors['organisation-inactive'], error.message);
    case 'TS401':
      return new AppError(DatabaseErrors['membership-changed']);
    case 'TS404':
      return new AppError(PlatformErrors.unauthenticated, 'The organisation of this credential no longer exists.');
    case '23505':
      return new AppError(PlatformErrors.conflict, `A value that must be unique already exists (${error.constraint ?? 'unique'}).`);
    case '40001':
    case '40P01':
      return new AppError(DatabaseErrors['write-conflict']);
    case '57014':
    case '53300':
    case '57P01':
    case '57P03':
      return new AppError(PlatformErrors.unavailable);
    default:
      return error.code.startsWith('08') ? new AppError(PlatformErrors.unavailable) : undefined;
  }
}
