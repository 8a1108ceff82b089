// Request validation. Bodies are JSON and must already have the right types:
// no coercion, so `"nome": ["x"]` or `"slug": 42` is a 422, not silently
// converted. Query strings and path parameters arrive as text and are coerced
// to the types their schemas declare. Every part reports all its errors at
// once and rejects unknown members (schemas say additionalProperties: false).
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats.default(ajv);
  return ajv;
}

const strict = createAjv({ coerceTypes: false });
const coercing = createAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object);
