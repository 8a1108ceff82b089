export { TenancyService } from './tenancy.service.ts';
export { tenancyRoutes } from './tenancy.routes.ts';
export { TenantSchema, MemberSchema, RoleSchema, Nome, type Tenant, type Member } from './tenancy.schemas.ts';
export { toTenant, toMember, type TenantRow, type MemberRow } from './rows.ts';
export { MEMBER_COLUMNS, INSERT_MEMBER } from './tenancy.sql.ts';
export { PLANS, VERTICALS, DEFAULT_AI_TOKEN_QUOTA, type Plan } from './core/plans.ts';
