export { OperatorsService } from './operators.service.ts';
export { operatorsRoutes } from './operators.routes.ts';
