import { Alert, Button, Stack, Text } from '@mantine/core';
import type { CombinedError } from 'urql';
import { errorCode, errorMessage } from '../api/errors.ts';

/**
 * A screen whose query was refused or failed: the API's own words (a STAFF user who forces an owner's URL reads
 * the FORBIDDEN message), never a blank page.
 */
export function QueryError({ error, retry }: { error: CombinedError; retry?: () => void }) {
  const code = errorCode(error);
  const title =
    code === 'FORBIDDEN'
      ? 'You do not have access to this'
      : code === 'NOT_FOUND'
        ? 'Not found'
        : code === 'RATE_LIMITED'
          ? 'Too many requests'
          : 'Something went wrong';
  return (
    <Alert color={code === 'FORBIDDEN' || code === 'NOT_FOUND' ? 'orange' : 'red'} title={title} role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {retry && code !== 'FORBIDDEN' && code !== 'NOT_FOUND' ? (
          <Button size="xs" variant="white" onClick={retry} w="fit-content">
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}
