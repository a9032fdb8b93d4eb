import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { formError } from '../../api/errors.ts';
import { AnchorLink } from '../../components/links.tsx';
import { graphql } from '../../gql/index.ts';
import { takeTokenFromAddressBar } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const VerifyEmailMutation = graphql(`
  mutation VerifyEmail($input: VerifyEmailInput!) {
    verifyEmail(input: $input) {
      id
      email
      emailVerifiedAt
    }
  }
`);

/**
 * The page the verification email links to. Confirming takes a click, not just a visit: mail scanners that open
 * every link in a message must not confirm an address on their own.
 */
export function VerifyEmail() {
  useTitle('Confirm your email');
  const search = useSearch({ strict: false }) as { token?: string };
  const [token] = useState(() => takeTokenFromAddressBar(search.token));
  const [state, verify] = useMutation(VerifyEmailMutation);
  const failure = formError(state.error, []);
  if (state.data?.verifyEmail) {
    return (
      <Stack>
        <Title order={1} size="h2">
          Email confirmed
        </Title>
        <Text role="status">{state.data.verifyEmail.email} is confirmed. This account is yours.</Text>
        <AnchorLink to="/events">Go to your events</AnchorLink>
      </Stack>
    );
  }
  return (
    <Stack>
      <Title order={1} size="h2">
        Confirm your email
      </Title>
      {token ? (
        <>
          <Text>Confirm that this mailbox belongs to you.</Text>
          {failure ? (
            <Alert color="red" role="alert">
              {failure}
            </Alert>
          ) : null}
          <Button loading={state.fetching} onClick={() => void verify({ input: { token } })}>
            Confirm my email
          </Button>
        </>
      ) : (
        <Text>This link is incomplete: open the link from the email again.</Text>
      )}
    </Stack>
  );
}
