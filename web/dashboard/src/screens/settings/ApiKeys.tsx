import { Alert, Badge, Button, Code, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { CopyValue } from '../../components/CopyValue.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import type { ApiKeyEnvironment } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys {
      id
      name
      environment
      prefix
      createdAt
      lastUsedAt
      revokedAt
    }
    events(first: 1) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        name
        environment
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      id
      revokedAt
    }
  }
`);

/**
 * Settings → API Keys (the REST page sends integrators here): the keys with when they were last used, a new key
 * whose secret is shown once, and revocation, which stops the key at once on every server.
 */
export function ApiKeys() {
  useTitle('API Keys');
  const [{ data, error }, reload] = useQuery({ query: ApiKeysQuery, requestPolicy: 'cache-and-network' });
  const [created, create] = useMutation(CreateApiKey);
  const [revoked, revoke] = useMutation(RevokeApiKey);
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading />;
  const errors = fieldErrors(created.error);
  const general = formError(created.error, ['name', 'environment']);
  const secret = created.data?.createApiKey.secret;
  const eventId = data.events.edges[0]?.node.id ?? '<event_id>';
  return (
    <Stack maw={980}>
      <Title order={1}>API Keys</Title>
      <Text size="sm">
        Integrators send a key as <code>Authorization: Bearer eg_live_…</code>. Test keys (<code>eg_test_</code>) get the same answers, but their registrations
        are test data and never send an email or a webhook.
      </Text>
      <Paper withBorder p="lg">
        <form
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const result = await create({ input: { name: values.name ?? '', environment: (values.environment ?? 'LIVE') as ApiKeyEnvironment } });
            if (result.data) {
              form.reset();
              reload({ requestPolicy: 'network-only' });
            }
          }}
        >
          <Stack>
            <Title order={2} size="h4">
              New key
            </Title>
            <FormAlert>{general}</FormAlert>
            <Group align="end">
              <TextInput label="Name" name="name" required maxLength={100} placeholder="Website registration form" error={errors.name} w={320} />
              <NativeSelect
                label="Mode"
                name="environment"
                data={[
                  { value: 'LIVE', label: 'Live' },
                  { value: 'TEST', label: 'Test (sandbox)' },
                ]}
                error={errors.environment}
              />
              <Button type="submit" loading={created.fetching}>
                Create API key
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {secret ? (
        <Alert color="indigo" title="Copy your new key now" role="status">
          <Stack gap="xs">
            <Text size="sm">This is the only time it is shown: EventoGate keeps only a hash of it. If you lose it, revoke it and create another.</Text>
            <CopyValue value={secret} testId="new-secret" />
            <Text size="sm">Register an attendee with it:</Text>
            <Code block>{`curl -X POST ${window.location.origin}/v1/events/${eventId}/registrations \\
  -H "Authorization: Bearer ${secret}" \\
  -H "Content-Type: application/json" \\
  -d '{"first_name": "Sarah", "last_name": "Chen", "email": "sarah@example.com"}'`}</Code>
          </Stack>
        </Alert>
      ) : null}
      {revoked.error ? (
        <Alert color="red" role="alert">
          {errorMessage(revoked.error)}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={760}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Mode</Table.Th>
              <Table.Th scope="col">Key</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Last used</Table.Th>
              <Table.Th scope="col">State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.apiKeys.map((key) => (
              <Table.Tr key={key.id}>
                <Table.Td>{key.name}</Table.Td>
                <Table.Td>
                  <Badge color={key.environment === 'LIVE' ? 'indigo.9' : 'dark'} variant={key.environment === 'LIVE' ? 'filled' : 'outline'}>
                    {key.environment.toLowerCase()}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <code>{key.prefix}…</code>
                </Table.Td>
                <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                <Table.Td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'never'}</Table.Td>
                <Table.Td>
                  {key.revokedAt ? (
                    <Text size="sm" c="dimmed">
                      revoked {formatDateTime(key.revokedAt)}
                    </Text>
                  ) : (
                    <ConfirmButton
                      size="compact-sm"
                      variant="light"
                      color="red"
                      aria-label={`Revoke ${key.name}`}
                      title={`Revoke “${key.name}”?`}
                      message="Every request with this key is refused from now on, on every server, and its live subscriptions end. This cannot be undone."
                      confirmLabel="Revoke"
                      loading={revoked.fetching}
                      onConfirm={() => revoke({ input: { id: key.id } })}
                    >
                      Revoke
                    </ConfirmButton>
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
