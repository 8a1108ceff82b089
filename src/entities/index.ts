export { EntityTypesService } from './entity-types.service.ts';
export { entityTypesRoutes } from './entity-types.routes.ts';
export * from './core/definitions.ts';
export { parseDefinition, type ParseContext, type ParseResult } from './core/parse-definition.ts';
export { diffDefinitions, applyDiff, isEmptyDiff, type DefinitionDiff } from './core/diff.ts';
export { valueProblem } from './core/field-values.ts';
