// Turns every error into an RFC 9457 application/problem+json response: our
// AppErrors, Fastify's own transport errors, schema validation failures and
// PostgreSQL errors (through fromSqlState). Nothing else writes error bodies.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fromSqlState } from '../db/sqlstate.ts';
import { AppError, PlatformErrors, type ErrorDefinition, type FieldError } from './errors.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const LOCATION: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** One FieldError per Ajv issue, pointing at the member that is wrong. */
export function validationErrors(issues: readonly ValidationIssue[], context: string | undefined): FieldError[] {
  const where = LOCATION[context ?? 'body'] ?? 'body';
  return issues.map((issue) => {
    let pointer = issue.instancePath;
    let message = issue.message ?? 'is invalid';
    if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') {
      pointer = `${pointer}/${escapePointerToken(issue.params.missingProperty)}`;
      message = 'is required';
    } else if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
      pointer = `${pointer}/${escapePointerToken(issue.params.additionalProperty)}`;
      message = 'is not a known field';
    } else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
      message = `must be one of: ${issue.params.allowedValues.join(', ')}`;
    }
    return { pointer: pointer === '' ? '/' : pointer, message, in: where };
  });
}

const FASTIFY_CODES: Record<string, ErrorDefinition> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: PlatformErrors['unsupported-media-type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: PlatformErrors['bad-request'],
  FST_ERR_CTP_BODY_TOO_LARGE: PlatformErrors['payload-too-large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: PlatformErrors['bad-request'],
  FST_ERR_CTP_INVALID_JSON_BODY: PlatformErrors['malformed-json'],
  FST_ERR_BAD_URL: PlatformErrors['bad-request'],
};

function toAppError(error: FastifyError | AppError | Error): AppError | undefined {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = validationErrors(fastifyError.validation, fastifyError.validationContext);
    const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors
      .map((e) => `${e.pointer} ${e.message}`)
      .join('; ')}`;
    return new AppError(PlatformErrors['validation-failed'], detail, errors);
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return new AppError(known, fastifyError.message);
  if (error instanceof SyntaxError) return new AppError(PlatformErrors['malformed-json'], error.message);
  const fromDatabase = fromSqlState(error);
  if (fromDatabase) return fromDatabase;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status === 413 ? PlatformErrors['payload-too-large'] : PlatformErrors['bad-request'], error.message);
  }
  return undefined;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const { definition } = error;
  const body: Record<string, unknown> = {
    type: `/problems/${definition.code}`,
    title: definition.title,
    status: definition.status,
    detail: error.detail,
    instance: request.url,
    request_id: request.id,
    ...error.extensions,
  };
  if (error.errors.length > 0) body.errors = error.errors;
  // RFC 6750 §3: a 401 names the scheme, and why a presented token failed.
  if (definition.status === 401) {
    const failed = ['invalid-token', 'token-expired', 'invalid-api-key', 'api-key-revoked', 'api-key-expired', 'membership-changed'];
    reply.header('www-authenticate', failed.includes(definition.code) ? 'Bearer realm="tessera", error="invalid_token"' : 'Bearer realm="tessera"');
  }
  const retryAfter = error.extensions.retry_after;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(definition.status).type('application/problem+json').serializer(JSON.stringify).send(body);
}

export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError) {
      if (appError.definition.status >= 500) request.log.error({ err: error }, appError.detail);
      return sendProblem(request, reply, appError);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(request, reply, new AppError(PlatformErrors.internal, 'An unexpected error occurred.'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError(PlatformErrors['not-found'], `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
