import type { Feature } from '../../lib/feature.ts';
import { mountScannerPage } from './scanner-page.ts';

/** The door phone's page, GET /scan (the door feature's REST routes are what it calls). */
export const feature: Feature = {
  name: 'scanner-page',
  pages: (app) => mountScannerPage(app),
};
