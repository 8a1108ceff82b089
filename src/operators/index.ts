export { OperatorsService, type OperatorCall, type OperatorLoginLimits } from './operators.service.ts';
export { operatorsRoutes } from './operators.routes.ts';
export { OperatorErrors } from './operators.errors.ts';
