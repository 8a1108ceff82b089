// PostgreSQL text cannot hold the NUL character (U+0000), which JSON and URLs
// can carry: left alone, such a value reaches the database and fails there
// with a 500. Refuse it up front, for every route, naming each place it occurs.
import type { FastifyRequest } from 'fastify';
import { AppError, PlatformErrors, type FieldError } from './errors.ts';

const MAX_DEPTH = 64;

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function collect(value: unknown, pointer: string, where: FieldError['in'], found: FieldError[], depth: number): void {
  if (found.length >= 20 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ pointer: pointer === '' ? '/' : pointer, message: 'must not contain the NUL character (U+0000)', in: where });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collect(item, `${pointer}/${index}`, where, found, depth + 1));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) found.push({ pointer: `${pointer}/${escapeToken(key)}`, message: 'names must not contain the NUL character', in: where });
      collect(item, `${pointer}/${escapeToken(key)}`, where, found, depth + 1);
    }
  }
}

export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const found: FieldError[] = [];
  collect(request.body, '', 'body', found, 0);
  collect(request.query, '', 'query', found, 0);
  collect(request.params, '', 'path', found, 0);
  if (found.length > 0) {
    throw new AppError(PlatformErrors['validation-failed'], 'The request contains the NUL character, which cannot be stored.', found);
  }
}
