import { createRootRoute, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { NotFound } from './components/NotFound.tsx';
import { PublicLayout } from './components/PublicLayout.tsx';
import { Shell } from './components/Shell.tsx';
import { AcceptInvitation } from './screens/auth/AcceptInvitation.tsx';
import { ForgotPassword } from './screens/auth/ForgotPassword.tsx';
import { LogIn } from './screens/auth/LogIn.tsx';
import { ResetPassword } from './screens/auth/ResetPassword.tsx';
import { SignUp } from './screens/auth/SignUp.tsx';
import { VerifyEmail } from './screens/auth/VerifyEmail.tsx';
import { attendeeSearch, auditSearch, deliverySearch, doorSearch, eventSearch, redirectSearch, tokenSearch } from './search.ts';

/**
 * Every path of CONTRACT §13 under /dashboard. The account pages (log in, sign up, the links in emails) are in the
 * first download; each signed-in screen is its own chunk, fetched when first visited (or hovered).
 */
const root = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

const account = createRoute({ getParentRoute: () => root, id: 'account-pages', component: PublicLayout });
const accountPages = [
  createRoute({
    getParentRoute: () => account,
    path: 'login',
    component: LogIn,
    validateSearch: redirectSearch,
  }),
  createRoute({ getParentRoute: () => account, path: 'signup', component: SignUp }),
  createRoute({ getParentRoute: () => account, path: 'forgot-password', component: ForgotPassword }),
  createRoute({ getParentRoute: () => account, path: 'reset-password', component: ResetPassword, validateSearch: tokenSearch }),
  createRoute({ getParentRoute: () => account, path: 'verify-email', component: VerifyEmail, validateSearch: tokenSearch }),
  createRoute({ getParentRoute: () => account, path: 'invitations/accept', component: AcceptInvitation, validateSearch: tokenSearch }),
];

const app = createRoute({ getParentRoute: () => root, id: 'signed-in', component: Shell });

const appPages = [
  createRoute({
    getParentRoute: () => app,
    path: '/',
    beforeLoad: () => {
      throw redirect({ to: '/events' });
    },
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events',
    component: lazyRouteComponent(() => import('./screens/events/EventList.tsx'), 'EventList'),
    validateSearch: eventSearch,
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/new',
    component: lazyRouteComponent(() => import('./screens/events/NewEvent.tsx'), 'NewEvent'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId',
    component: lazyRouteComponent(() => import('./screens/events/Overview.tsx'), 'Overview'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/attendees',
    component: lazyRouteComponent(() => import('./screens/events/Attendees.tsx'), 'Attendees'),
    validateSearch: attendeeSearch,
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/attendees/$attendeeId',
    component: lazyRouteComponent(() => import('./screens/events/AttendeePage.tsx'), 'AttendeePage'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/waitlist',
    component: lazyRouteComponent(() => import('./screens/events/Waitlist.tsx'), 'Waitlist'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/access',
    component: lazyRouteComponent(() => import('./screens/events/AccessCodes.tsx'), 'AccessCodes'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/check-in',
    component: lazyRouteComponent(() => import('./screens/events/CheckInDesk.tsx'), 'CheckInDesk'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/import',
    component: lazyRouteComponent(() => import('./screens/events/Import.tsx'), 'Import'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/door',
    component: lazyRouteComponent(() => import('./screens/events/Door.tsx'), 'Door'),
    validateSearch: doorSearch,
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'events/$eventId/settings',
    component: lazyRouteComponent(() => import('./screens/events/EventSettings.tsx'), 'EventSettings'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings',
    beforeLoad: () => {
      throw redirect({ to: '/settings/organisation' });
    },
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/organisation',
    component: lazyRouteComponent(() => import('./screens/settings/Organisation.tsx'), 'Organisation'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/api-keys',
    component: lazyRouteComponent(() => import('./screens/settings/ApiKeys.tsx'), 'ApiKeys'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/webhooks',
    component: lazyRouteComponent(() => import('./screens/settings/Webhooks.tsx'), 'Webhooks'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/webhooks/$endpointId',
    component: lazyRouteComponent(() => import('./screens/settings/WebhookEndpoint.tsx'), 'WebhookEndpoint'),
    validateSearch: deliverySearch,
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/privacy',
    component: lazyRouteComponent(() => import('./screens/settings/Privacy.tsx'), 'Privacy'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/audit-log',
    component: lazyRouteComponent(() => import('./screens/settings/AuditLog.tsx'), 'AuditLog'),
    validateSearch: auditSearch,
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'settings/members',
    component: lazyRouteComponent(() => import('./screens/settings/Members.tsx'), 'Members'),
  }),
  createRoute({
    getParentRoute: () => app,
    path: 'account',
    component: lazyRouteComponent(() => import('./screens/account/Account.tsx'), 'Account'),
  }),
];

const routeTree = root.addChildren([account.addChildren(accountPages), app.addChildren(appPages)]);

export const router = createRouter({ routeTree, basepath: '/dashboard', defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
