export { NotificationsService, insertNotifications, queueNotifications, type NotificationRequest, type Notified } from './notifications.service.ts';
export { notificationsRoutes } from './notifications.routes.ts';
