import type { Feature } from '../../lib/feature.ts';
import { mountDashboardPage } from './dashboard-page.ts';

/** The dashboard's single-page app at /dashboard (it speaks only the public GraphQL API). */
export const feature: Feature = {
  name: 'dashboard-page',
  pages: (app) => mountDashboardPage(app),
};
