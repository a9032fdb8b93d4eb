import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { CopyValue } from '../../components/CopyValue.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const OrganisationQuery = graphql(`
  query OrganisationSettings {
    viewer {
      role
      organisation {
        id
        name
        retentionDays
        createdAt
      }
    }
    ticketSigningKeys {
      id
      publicKey
      createdAt
      rotatedAt
      retiredAt
    }
  }
`);

const RotateSigningKey = graphql(`
  mutation RotateTicketSigningKey {
    rotateTicketSigningKey {
      id
    }
  }
`);

const RetireSigningKey = graphql(`
  mutation RetireTicketSigningKey($input: RetireTicketSigningKeyInput!) {
    retireTicketSigningKey(input: $input) {
      id
      retiredAt
    }
  }
`);

const UpdateOrganisation = graphql(`
  mutation UpdateOrganisation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) {
      id
      name
      retentionDays
    }
  }
`);

/**
 * Settings → Organisation: its name, how long attendees' personal data is kept after an event, and the keys that
 * sign its tickets' codes (rotate when one may have leaked; retire the old one once no printed ticket needs it).
 */
export function Organisation() {
  useTitle('Organisation');
  const [{ data, error }, reload] = useQuery({ query: OrganisationQuery });
  const [state, update] = useMutation(UpdateOrganisation);
  const [rotated, rotate] = useMutation(RotateSigningKey);
  const [retired, retire] = useMutation(RetireSigningKey);
  const [saved, setSaved] = useState(false);
  const [retentionError, setRetentionError] = useState<string>();
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const organisation = data?.viewer?.organisation;
  if (!data || !organisation) return <Loading />;
  const errors: Record<string, string> = { ...fieldErrors(state.error), ...(retentionError ? { retentionDays: retentionError } : {}) };
  const general = formError(state.error, ['name', 'retentionDays']);
  return (
    <Stack maw={720}>
      <Title order={1}>Organisation</Title>
      <Group gap="xs">
        <Text size="sm">Organisation ID:</Text>
        <CopyValue value={organisation.id} label="Copy organisation ID" />
      </Group>
      <Paper withBorder p="lg">
        <form
          noValidate
          onSubmit={async (event) => {
            setSaved(false);
            const values = formValues(event);
            const text = (values.retentionDays ?? '').trim();
            const retentionDays = text === '' ? null : Number(text);
            if (retentionDays !== null && !Number.isInteger(retentionDays)) return setRetentionError('Retention is a whole number of days.');
            setRetentionError(undefined);
            const result = await update({ input: { name: values.name, retentionDays } });
            if (result.data) setSaved(true);
          }}
        >
          <Stack>
            <FormAlert>{general}</FormAlert>
            <TextInput label="Organisation name" name="name" required maxLength={100} defaultValue={organisation.name} error={errors.name} />
            <TextInput
              label="Retention days"
              name="retentionDays"
              type="number"
              min={1}
              max={3650}
              defaultValue={organisation.retentionDays ?? ''}
              description="Attendees’ personal data is erased this many days after their event ends (each event may set its own). Empty: kept until erased by hand."
              error={errors.retentionDays}
            />
            <Group justify="flex-end">
              {saved ? (
                <Text size="sm" c="teal.9" role="status">
                  Saved.
                </Text>
              ) : null}
              <Button type="submit" loading={state.fetching}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Title order={2} size="h3" mt="md">
        Ticket signing keys
      </Title>
      <Text size="sm">
        Ticket QR codes are signed, so a door phone offline can tell a real ticket from a made-up one. <b>Rotate</b> if a key may have leaked: new tickets are
        signed with a new key, and tickets already sent keep working. <b>Retire</b> an old key when no ticket signed with it should get in any more: its codes
        are refused online at once, and on door phones at their next sync.
      </Text>
      {rotated.error || retired.error ? (
        <Alert color="red" role="alert">
          {errorMessage(rotated.error ?? retired.error)}
        </Alert>
      ) : null}
      <Group>
        <ConfirmButton
          variant="default"
          color="indigo"
          title="Rotate the signing key?"
          message="New tickets are signed with a new key from now on. Tickets already sent keep working until you retire the old key."
          confirmLabel="Rotate key"
          loading={rotated.fetching}
          onConfirm={async () => {
            const result = await rotate({});
            if (result.data) reload({ requestPolicy: 'network-only' });
          }}
        >
          Rotate key
        </ConfirmButton>
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Key</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.ticketSigningKeys.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text size="sm" c="dimmed">
                    No key yet: the first is made when the first signed code is needed.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {data.ticketSigningKeys.map((key) => (
              <Table.Tr key={key.id} data-testid="signing-key">
                <Table.Td>
                  <code>{key.id}</code>
                </Table.Td>
                <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                <Table.Td>
                  {key.retiredAt ? (
                    <Badge miw="max-content" color="gray" variant="outline">
                      retired {formatDateTime(key.retiredAt)}
                    </Badge>
                  ) : key.rotatedAt ? (
                    <Badge miw="max-content" color="yellow.9" autoContrast>
                      verifies only (rotated {formatDateTime(key.rotatedAt)})
                    </Badge>
                  ) : (
                    <Badge miw="max-content" color="teal.9">
                      signs new tickets
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {key.rotatedAt && !key.retiredAt ? (
                    <ConfirmButton
                      size="compact-sm"
                      variant="light"
                      color="red"
                      aria-label={`Retire ${key.id}`}
                      title="Retire this key?"
                      message="Every ticket code signed with it is refused from now on: online at once, on door phones at their next sync. This cannot be undone."
                      confirmLabel="Retire"
                      loading={retired.fetching}
                      onConfirm={() => retire({ input: { id: key.id } })}
                    >
                      Retire
                    </ConfirmButton>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
