import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/** A form's error that belongs to no single field (or the API's message), announced at once. */
export function FormAlert({ children }: { children: ReactNode }) {
  if (children === undefined || children === null || children === false || children === '') return null;
  return (
    <Alert color="red" role="alert">
      {children}
    </Alert>
  );
}
