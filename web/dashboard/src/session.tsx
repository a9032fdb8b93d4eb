import { createContext, useContext } from 'react';
import type { ViewerQuery } from './gql/graphql.ts';

export type Viewer = NonNullable<ViewerQuery['viewer']>;
export type Role = NonNullable<Viewer['role']>;

const ViewerContext = createContext<Viewer | null>(null);
export const ViewerProvider = ViewerContext.Provider;

/** The signed-in user, their organisation and role (inside the app shell, which loads it once). */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside the signed-in shell');
  return viewer;
}

/**
 * What the interface offers a role. The server decides (CONTRACT §3): STAFF may read attendees and check in,
 * nothing else; this only hides what would be refused.
 */
export function can(role: Role | null | undefined, what: 'manage' | 'check-in'): boolean {
  if (what === 'check-in') return role === 'OWNER' || role === 'ADMIN' || role === 'STAFF';
  return role === 'OWNER' || role === 'ADMIN';
}
