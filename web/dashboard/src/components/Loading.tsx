import { Loader, type LoaderProps } from '@mantine/core';

/**
 * A spinner screen readers announce. Mantine's Loader is a bare `<span>`, on which `aria-label` is prohibited
 * (axe: aria-prohibited-attr); `role="status"` makes it a live region that may carry the label.
 */
export function Loading({ label = 'Loading', size }: { label?: string; size?: LoaderProps['size'] }) {
  return <Loader role="status" aria-label={label} size={size} />;
}
