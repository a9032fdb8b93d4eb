import { Alert, Anchor, Button, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useMutation } from 'urql';
import { errorCode, errorMessage } from '../../api/errors.ts';
import { AnchorLink } from '../../components/links.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const LogInMutation = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      user {
        id
      }
    }
  }
`);

/** Where to go after logging in: a dashboard page we were sent away from, never another site. */
export function safeRedirect(target: string | undefined): string {
  if (!target?.startsWith('/') || target.startsWith('//')) return '/dashboard/events';
  return target.startsWith('/dashboard') ? target : `/dashboard${target}`;
}

export function LogIn() {
  useTitle('Log in');
  const search = useSearch({ strict: false }) as { redirect?: string };
  const [state, logIn] = useMutation(LogInMutation);
  const code = errorCode(state.error);
  return (
    <form
      onSubmit={async (event) => {
        const { email, password } = formValues(event);
        const result = await logIn({ input: { email: email ?? '', password: password ?? '' } });
        // A full load: nothing cached from before the session survives.
        if (result.data) window.location.assign(safeRedirect(search.redirect));
      }}
    >
      <Stack>
        <Title order={1} size="h2">
          Log in
        </Title>
        {state.error ? (
          <Alert color="red" role="alert" title={code === 'RATE_LIMITED' ? 'Too many attempts' : 'Could not log in'}>
            {errorMessage(state.error)}
          </Alert>
        ) : null}
        <TextInput label="Email" name="email" type="email" autoComplete="username" required />
        <PasswordInput label="Password" name="password" autoComplete="current-password" required />
        <Group justify="space-between">
          <AnchorLink to="/forgot-password" size="sm">
            Forgot your password?
          </AnchorLink>
          <Button type="submit" loading={state.fetching}>
            Log in
          </Button>
        </Group>
        <Text size="sm">
          New here?{' '}
          <AnchorLink to="/signup" size="sm">
            Create an account
          </AnchorLink>
        </Text>
        <Text size="xs" c="dimmed">
          Running the demo?{' '}
          <Anchor component="span" inherit underline="never">
            npx eventogate demo show
          </Anchor>{' '}
          prints its login.
        </Text>
      </Stack>
    </form>
  );
}
