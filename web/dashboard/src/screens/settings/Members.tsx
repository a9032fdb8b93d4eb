import { Alert, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import type { Role } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { useViewer } from '../../session.tsx';

const MembersQuery = graphql(`
  query Members {
    members {
      id
      role
      createdAt
      user {
        id
        name
        email
      }
    }
    invitations {
      id
      email
      role
      createdAt
      expiresAt
      acceptedAt
      revokedAt
    }
  }
`);

const InviteMember = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      id
      email
    }
  }
`);

const RevokeInvitation = graphql(`
  mutation RevokeInvitation($input: RevokeInvitationInput!) {
    revokeInvitation(input: $input) {
      id
      revokedAt
    }
  }
`);

const RemoveMember = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input)
  }
`);

const ROLES: Array<{ value: Role; label: string }> = [
  { value: 'STAFF', label: 'Staff: check-in desk only' },
  { value: 'ADMIN', label: 'Admin: everything but owners' },
  { value: 'OWNER', label: 'Owner' },
];

/** Settings → Members: who is in the organisation, invitations by email (a one-time link), and removal. */
export function Members() {
  useTitle('Members');
  const viewer = useViewer();
  const [{ data, error }, reload] = useQuery({ query: MembersQuery, requestPolicy: 'cache-and-network' });
  const [invited, invite] = useMutation(InviteMember);
  const [revoked, revokeInvitation] = useMutation(RevokeInvitation);
  const [removed, removeMember] = useMutation(RemoveMember);
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading />;
  const refresh = () => reload({ requestPolicy: 'network-only' });
  const errors = fieldErrors(invited.error);
  const general = formError(invited.error, ['email', 'role']);
  const roles = viewer.role === 'OWNER' ? ROLES : ROLES.filter((r) => r.value === 'STAFF');
  const actionError = revoked.error ?? removed.error;
  return (
    <Stack maw={980}>
      <Title order={1}>Members</Title>
      <Paper withBorder p="lg">
        <form
          onSubmit={async (event) => {
            const form = event.currentTarget;
            const values = formValues(event);
            const result = await invite({ input: { email: values.email ?? '', role: (values.role ?? 'STAFF') as Role } });
            if (result.data) {
              form.reset();
              refresh();
            }
          }}
        >
          <Stack>
            <Title order={2} size="h4">
              Invite someone
            </Title>
            <Text size="sm" c="dimmed">
              They get an email with a link, valid for 7 days, once. {viewer.role === 'OWNER' ? '' : 'Admins may invite staff; owners anyone.'}
            </Text>
            <FormAlert>{general}</FormAlert>
            {invited.data ? (
              <Text size="sm" c="teal.9" role="status">
                Invitation sent to {invited.data.inviteMember.email}.
              </Text>
            ) : null}
            <Group align="end">
              <TextInput label="Email" name="email" type="email" required error={errors.email} w={320} />
              <NativeSelect label="Role" name="role" data={roles} error={errors.role} />
              <Button type="submit" loading={invited.fetching}>
                Invite member
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {actionError ? (
        <Alert color="red" role="alert">
          {errorMessage(actionError)}
        </Alert>
      ) : null}
      <Title order={2} size="h3">
        Members
      </Title>
      <Table.ScrollContainer minWidth={700}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Joined</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.members.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>{m.user.name}</Table.Td>
                <Table.Td>{m.user.email}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{m.role.toLowerCase()}</Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(m.createdAt)}</Table.Td>
                <Table.Td>
                  {m.user.id === viewer.user?.id ? (
                    <Text size="sm" c="dimmed">
                      you
                    </Text>
                  ) : (
                    <ConfirmButton
                      size="compact-sm"
                      variant="light"
                      color="red"
                      aria-label={`Remove ${m.user.name}`}
                      title={`Remove ${m.user.name} from the organisation?`}
                      message="Their sessions for this organisation end at once, live screens included. Their account stays."
                      confirmLabel="Remove"
                      loading={removed.fetching}
                      onConfirm={async () => {
                        const result = await removeMember({ input: { userId: m.user.id } });
                        if (result.data) refresh();
                      }}
                    >
                      Remove
                    </ConfirmButton>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={2} size="h3">
        Invitations
      </Title>
      {data.invitations.length === 0 ? <Text c="dimmed">None.</Text> : null}
      {data.invitations.length > 0 ? (
        <Table.ScrollContainer minWidth={700}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Email</Table.Th>
                <Table.Th scope="col">Role</Table.Th>
                <Table.Th scope="col">Sent</Table.Th>
                <Table.Th scope="col">State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.invitations.map((i) => {
                const expired = new Date(i.expiresAt).getTime() < Date.now();
                return (
                  <Table.Tr key={i.id}>
                    <Table.Td>{i.email}</Table.Td>
                    <Table.Td>{i.role.toLowerCase()}</Table.Td>
                    <Table.Td>{formatDateTime(i.createdAt)}</Table.Td>
                    <Table.Td>
                      {i.acceptedAt ? (
                        `accepted ${formatDateTime(i.acceptedAt)}`
                      ) : i.revokedAt ? (
                        'revoked'
                      ) : expired ? (
                        'expired'
                      ) : (
                        <Group gap="xs">
                          <Text size="sm">pending until {formatDateTime(i.expiresAt)}</Text>
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            color="red"
                            loading={revoked.fetching}
                            aria-label={`Revoke the invitation of ${i.email}`}
                            onClick={async () => {
                              const result = await revokeInvitation({ input: { id: i.id } });
                              if (result.data) refresh();
                            }}
                          >
                            Revoke
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </Stack>
  );
}
