import { Alert, Button, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { AnchorLink } from '../../components/links.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues, takeTokenFromAddressBar } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const ResetPasswordMutation = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      user {
        id
      }
    }
  }
`);

/** The page the password-reset email links to (`?token=egr_…`, taken out of the address bar at once). */
export function ResetPassword() {
  useTitle('Choose a new password');
  const search = useSearch({ strict: false }) as { token?: string };
  const [token] = useState(() => takeTokenFromAddressBar(search.token));
  const [state, reset] = useMutation(ResetPasswordMutation);
  const errors = fieldErrors(state.error);
  const general = formError(state.error, ['password']);
  if (!token) {
    return (
      <Stack>
        <Title order={1} size="h2">
          This link is incomplete
        </Title>
        <Text>Open the link from the email again, or ask for a new one.</Text>
        <AnchorLink to="/forgot-password">Ask for a new link</AnchorLink>
      </Stack>
    );
  }
  return (
    <form
      onSubmit={async (event) => {
        const { password } = formValues(event);
        const result = await reset({ input: { token, password: password ?? '' } });
        if (result.data) window.location.assign('/dashboard/events');
      }}
    >
      <Stack>
        <Title order={1} size="h2">
          Choose a new password
        </Title>
        <Text size="sm">Every other session of your account ends; you stay logged in here.</Text>
        {general ? (
          <Alert color="red" role="alert">
            {general} {errors.token ? <AnchorLink to="/forgot-password">Ask for a new link.</AnchorLink> : null}
          </Alert>
        ) : null}
        <PasswordInput label="Password" name="password" autoComplete="new-password" required description="At least 10 characters." error={errors.password} />
        <Button type="submit" loading={state.fetching}>
          Save
        </Button>
      </Stack>
    </form>
  );
}
