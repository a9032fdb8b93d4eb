import type { Feature } from '../../lib/feature.ts';
import { publicFormRoutes } from './public-forms.rest.ts';

/** The keyless, rate-limited public registration form endpoints. */
export const feature: Feature = {
  name: 'public-forms',
  routes: [...publicFormRoutes],
};
