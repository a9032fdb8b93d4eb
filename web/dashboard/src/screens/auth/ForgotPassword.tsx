import { Alert, Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors } from '../../api/errors.ts';
import { AnchorLink } from '../../components/links.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const RequestResetMutation = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input)
  }
`);

export function ForgotPassword() {
  useTitle('Forgot your password');
  const [state, request] = useMutation(RequestResetMutation);
  const errors = fieldErrors(state.error);
  if (state.data?.requestPasswordReset) {
    return (
      <Stack>
        <Title order={1} size="h2">
          Check your mailbox
        </Title>
        <Text role="status">If an account uses that address, we sent it a link to choose a new password. The link works once, for one hour.</Text>
        <AnchorLink to="/login">Back to log in</AnchorLink>
      </Stack>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        const { email } = formValues(event);
        void request({ input: { email: email ?? '' } });
      }}
    >
      <Stack>
        <Title order={1} size="h2">
          Reset your password
        </Title>
        <Text size="sm">We will email you a link to choose a new one.</Text>
        {state.error && !errors.email ? (
          <Alert color="red" role="alert">
            {errorMessage(state.error)}
          </Alert>
        ) : null}
        <TextInput label="Email" name="email" type="email" autoComplete="username" required error={errors.email} />
        <Button type="submit" loading={state.fetching}>
          Send the link
        </Button>
        <AnchorLink to="/login" size="sm">
          Back to log in
        </AnchorLink>
      </Stack>
    </form>
  );
}
