export { MembersService } from './members.service.ts';
export { membersRoutes } from './members.routes.ts';
export { MembersErrors } from './members.errors.ts';
