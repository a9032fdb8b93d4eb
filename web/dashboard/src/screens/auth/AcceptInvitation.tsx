import { Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { FormAlert } from '../../components/FormAlert.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues, takeTokenFromAddressBar } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      organisation {
        id
        name
      }
    }
  }
`);

/** The page the invitation email links to: join with a new account, or with the account you already have. */
export function AcceptInvitation() {
  useTitle('Accept invitation');
  const search = useSearch({ strict: false }) as { token?: string };
  const [token] = useState(() => takeTokenFromAddressBar(search.token));
  const [state, accept] = useMutation(AcceptInvitationMutation);
  const errors = fieldErrors(state.error);
  const general = formError(state.error, ['name', 'password']);
  if (!token) {
    return (
      <Stack>
        <Title order={1} size="h2">
          This link is incomplete
        </Title>
        <Text>Open the link from the invitation email again.</Text>
      </Stack>
    );
  }
  return (
    <form
      onSubmit={async (event) => {
        const v = formValues(event);
        const result = await accept({ input: { token, password: v.password ?? '', ...(v.name ? { name: v.name } : {}) } });
        if (result.data) window.location.assign('/dashboard/events');
      }}
    >
      <Stack>
        <Title order={1} size="h2">
          Join your team on EventoGate
        </Title>
        <Text size="sm">New to EventoGate? Give your name and choose a password. Already have an account with this email? Enter its password.</Text>
        <FormAlert>{general}</FormAlert>
        <TextInput label="Your name" name="name" autoComplete="name" error={errors.name} />
        <PasswordInput label="Password" name="password" autoComplete="new-password" required error={errors.password} />
        <Button type="submit" loading={state.fetching}>
          Accept invitation
        </Button>
      </Stack>
    </form>
  );
}
