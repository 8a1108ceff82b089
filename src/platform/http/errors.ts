// One error type for the whole application. Each capability declares its
// codes with defineErrors(); every declared code lands in one catalogue that
// the problem handler, /problems/{code} and docs/ERRORS.md are built from
// (a test keeps the documentation in step with it).

export interface ErrorDefinition {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** What the code means and what the caller can do about it. */
  readonly description: string;
}

/** One bad part of the input: a JSON Pointer into the request and what is wrong there. */
export interface FieldError {
  readonly pointer: string;
  readonly message: string;
  /** Where the pointer applies when it is not the body. */
  readonly in?: 'body' | 'query' | 'path' | 'header';
}

const catalogue = new Map<string, ErrorDefinition>();

export function defineErrors<const K extends string>(
  definitions: Record<K, Omit<ErrorDefinition, 'code'>>,
): Record<K, ErrorDefinition> {
  const result = {} as Record<K, ErrorDefinition>;
  for (const code of Object.keys(definitions) as K[]) {
    if (catalogue.has(code)) throw new Error(`error code ${code} is declared twice`);
    const definition = { code, ...definitions[code] };
    catalogue.set(code, definition);
    result[code] = definition;
  }
  return result;
}

export function errorCatalogue(): ErrorDefinition[] {
  return [...catalogue.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
}

export function findError(code: string): ErrorDefinition | undefined {
  return catalogue.get(code);
}

export class AppError extends Error {
  constructor(
    readonly definition: ErrorDefinition,
    readonly detail: string = definition.title,
    readonly errors: readonly FieldError[] = [],
    /** Extra members for the problem document (RFC 9457 extension members). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

/** The platform's own codes: transport, validation, authentication basics. */
export const PlatformErrors = defineErrors({
  'malformed-json': {
    status: 400,
    title: 'Malformed JSON',
    description: 'The request body is not valid JSON. Check quoting and commas.',
  },
  'bad-request': {
    status: 400,
    title: 'Bad request',
    description: 'The request cannot be read as sent (for example an empty body where one is required).',
  },
  unauthenticated: {
    status: 401,
    title: 'Authentication required',
    description: 'Send `Authorization: Bearer <token>` with an access token or an API key.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description: 'The caller is authenticated but its role or API key scope does not allow this action.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No such resource in the caller\'s organisation. Resources of other organisations also answer 404.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    description: 'The resource exists but does not accept this HTTP method.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description: 'The request conflicts with the current state (for example a value that must be unique).',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    description: 'The request body is larger than the configured limit (TESSERA_BODY_LIMIT).',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'Send request bodies as `application/json`.',
  },
  'validation-failed': {
    status: 422,
    title: 'Validation failed',
    description: 'The body, query string or path is well-formed but invalid. `errors` lists every bad field with a JSON Pointer.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description: 'Too many attempts from this address or for this account. Retry after the number of seconds in `Retry-After`.',
  },
  internal: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected failure. The `request_id` identifies it in the server logs.',
  },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    description: 'The database is unreachable or the server is shutting down. Retry later.',
  },
});
