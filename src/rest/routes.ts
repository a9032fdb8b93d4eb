import { checkInRoutes } from '../modules/check-ins/check-ins.rest.ts';
import { scannerRoutes } from '../modules/door/scanner.rest.ts';
import { publicFormRoutes } from '../modules/public-forms/public-forms.rest.ts';
import { qrRoutes } from '../modules/qr/qr.rest.ts';
import { registrationRoutes } from '../modules/registrations/registrations.rest.ts';
import type { RestRoute } from './route.ts';

/** Every REST route, in mounting order (a literal path before a parameter that would match it). */
export const REST_ROUTES: readonly RestRoute[] = [...qrRoutes, ...publicFormRoutes, ...registrationRoutes, ...checkInRoutes, ...scannerRoutes];
