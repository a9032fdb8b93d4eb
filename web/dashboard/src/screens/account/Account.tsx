import { Alert, Badge, Button, Group, Paper, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const AccountQuery = graphql(`
  query Account {
    viewer {
      user {
        id
        name
        email
        emailVerifiedAt
        createdAt
      }
      organisations {
        current
        organisation {
          id
          name
        }
      }
    }
    sessions {
      id
      organisationId
      createdAt
      lastUsedAt
      expiresAt
      current
    }
  }
`);

const ChangePassword = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`);

const RevokeSession = graphql(`
  mutation RevokeSession($input: RevokeSessionInput!) {
    revokeSession(input: $input)
  }
`);

/** Your account: password, and the sessions you have open (end any of them). */
export function Account() {
  useTitle('Account');
  const [{ data, error }, reload] = useQuery({ query: AccountQuery, requestPolicy: 'cache-and-network' });
  const [changed, change] = useMutation(ChangePassword);
  const [revoked, revoke] = useMutation(RevokeSession);
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const user = data?.viewer?.user;
  if (!data || !user) return <Loading />;
  const errors = fieldErrors(changed.error);
  const general = formError(changed.error, ['currentPassword', 'newPassword']);
  const organisationName = (id: string) => data.viewer?.organisations.find((o) => o.organisation.id === id)?.organisation.name ?? id;
  return (
    <Stack maw={900}>
      <Title order={1}>Account</Title>
      <Text>
        {user.name} · {user.email}{' '}
        {user.emailVerifiedAt ? (
          <Badge color="teal.9" variant="filled">
            confirmed
          </Badge>
        ) : (
          <Badge color="gray.7" variant="filled">
            not confirmed
          </Badge>
        )}
      </Text>
      <Paper withBorder p="lg">
        <form
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const result = await change({ input: { currentPassword: values.currentPassword ?? '', newPassword: values.newPassword ?? '' } });
            if (result.data) {
              form.reset();
              reload({ requestPolicy: 'network-only' });
            }
          }}
        >
          <Stack maw={420}>
            <Title order={2} size="h4">
              Change your password
            </Title>
            <FormAlert>{general}</FormAlert>
            {changed.data?.changePassword ? (
              <Text size="sm" c="teal.9" role="status">
                Password changed. Your other sessions have ended.
              </Text>
            ) : null}
            <PasswordInput label="Current password" name="currentPassword" autoComplete="current-password" required error={errors.currentPassword} />
            <PasswordInput
              label="New password"
              name="newPassword"
              autoComplete="new-password"
              required
              description="At least 10 characters."
              error={errors.newPassword}
            />
            <Group justify="flex-end">
              <Button type="submit" loading={changed.fetching}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Title order={2} size="h3">
        Sessions
      </Title>
      {revoked.error ? (
        <Alert color="red" role="alert">
          {errorMessage(revoked.error)}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={700}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Organisation</Table.Th>
              <Table.Th scope="col">Started</Table.Th>
              <Table.Th scope="col">Last used</Table.Th>
              <Table.Th scope="col">Expires</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.sessions.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{organisationName(s.organisationId)}</Table.Td>
                <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                <Table.Td>{s.lastUsedAt ? formatDateTime(s.lastUsedAt) : '—'}</Table.Td>
                <Table.Td>{formatDateTime(s.expiresAt)}</Table.Td>
                <Table.Td>
                  {s.current ? (
                    <Text size="sm">this browser</Text>
                  ) : (
                    <Button
                      size="compact-sm"
                      variant="light"
                      color="red"
                      loading={revoked.fetching}
                      aria-label={`End the session started ${formatDateTime(s.createdAt)}`}
                      onClick={async () => {
                        const result = await revoke({ input: { id: s.id } });
                        if (result.data) reload({ requestPolicy: 'network-only' });
                      }}
                    >
                      End
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
