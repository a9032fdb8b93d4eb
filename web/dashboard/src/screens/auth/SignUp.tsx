import { Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { FormAlert } from '../../components/FormAlert.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const SignUpMutation = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      organisation {
        id
      }
    }
  }
`);

const FIELDS = ['name', 'email', 'password', 'organisationName'];

export function SignUp() {
  useTitle('Create account');
  const [state, signUp] = useMutation(SignUpMutation);
  const errors = fieldErrors(state.error);
  const general = formError(state.error, FIELDS);
  return (
    <form
      onSubmit={async (event) => {
        const v = formValues(event);
        const result = await signUp({
          input: { name: v.name ?? '', email: v.email ?? '', password: v.password ?? '', organisationName: v.organisationName ?? '' },
        });
        if (result.data) window.location.assign('/dashboard/events');
      }}
    >
      <Stack>
        <Title order={1} size="h2">
          Create your account
        </Title>
        <Text size="sm" c="dimmed">
          You and your organisation, in one step. We will email you a link to confirm your address.
        </Text>
        <FormAlert>{general}</FormAlert>
        <TextInput label="Your name" name="name" autoComplete="name" required error={errors.name} />
        <TextInput label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <PasswordInput
          label="Password"
          name="password"
          autoComplete="new-password"
          required
          description="At least 10 characters, not a common password."
          error={errors.password}
        />
        <TextInput label="Organisation name" name="organisationName" autoComplete="organization" required error={errors.organisationName} />
        <Button type="submit" loading={state.fetching}>
          Create account
        </Button>
        <Text size="sm">
          Already have an account?{' '}
          <AnchorLink to="/login" size="sm">
            Log in
          </AnchorLink>
        </Text>
      </Stack>
    </form>
  );
}
