import { Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useQuery } from '../../api/query.ts';
import { Loading } from '../../components/Loading.tsx';
import { Paging } from '../../components/Paging.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const AuditLogQuery = graphql(`
  query AuditLog($first: Int, $after: String, $action: String) {
    auditLog(first: $first, after: $after, action: $action) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          action
          actorType
          actorId
          subjectId
          requestId
          clientRequestId
          detail
          createdAt
        }
      }
    }
    members {
      user {
        id
        name
        email
      }
    }
  }
`);

/** Every action the audit log records (the `action` filter takes one of these). */
export const AUDIT_ACTIONS = [
  'attendee.read',
  'attendees.listed',
  'attendee.updated',
  'attendee.status_changed',
  'attendee.check_in_undone',
  'attendee.erased',
  'attendees.exported_csv',
  'attendees.imported',
  'personal_data.exported',
  'personal_data.erased',
  'retention.erased',
  'organisation.updated',
  'event.updated',
  'member.invited',
  'member.joined',
  'member.removed',
  'api_key.created',
  'api_key.revoked',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
] as const;

const PAGE = 50;

/**
 * Settings → Audit log: who did what to which record, newest first — reads of personal data included — with the
 * request id that ties an entry to the server's log lines. Filter by action, page through.
 */
export function AuditLog() {
  useTitle('Audit log');
  const search = useSearch({ from: '/signed-in/settings/audit-log' });
  const navigate = useNavigate({ from: '/settings/audit-log' });
  const [{ data, error }, reload] = useQuery({
    query: AuditLogQuery,
    variables: { first: PAGE, after: search.after ?? null, action: search.action ?? null },
    requestPolicy: 'cache-and-network',
  });
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading />;
  const people = new Map(data.members.map((m) => [m.user.id, m.user]));
  const actor = (type: string, id: string | null | undefined) => {
    if (type === 'system') return 'System (retention)';
    if (type === 'api_key') return `API key ${id ?? ''}…`;
    const user = id ? people.get(id) : undefined;
    return user ? `${user.name} <${user.email}>` : `User ${id ?? '(removed)'}`;
  };
  const log = data.auditLog;
  return (
    <Stack maw={1100}>
      <Title order={1}>Audit log</Title>
      <Text size="sm">
        What was done, by whom, to which record — reading an attendee's personal data included. Each entry's request id is the <code>X-Request-Id</code> of the
        call that did it, also in the server's log lines.
      </Text>
      <Group align="end">
        <NativeSelect
          label="Action"
          value={search.action ?? ''}
          data={[{ value: '', label: 'Every action' }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))]}
          onChange={(e) => {
            const action = e.currentTarget.value || undefined;
            void navigate({ search: { action } });
          }}
        />
      </Group>
      <Table.ScrollContainer minWidth={900}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Time</Table.Th>
              <Table.Th scope="col">Actor</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Subject</Table.Th>
              <Table.Th scope="col">Detail</Table.Th>
              <Table.Th scope="col">Request</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {log.edges.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text size="sm" c="dimmed">
                    Nothing recorded{search.action ? ` for ${search.action}` : ''} yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {log.edges.map(({ node }) => (
              <Table.Tr key={node.id} data-testid="audit-entry">
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(node.createdAt)}</Table.Td>
                <Table.Td>{actor(node.actorType, node.actorId)}</Table.Td>
                <Table.Td>
                  <code>{node.action}</code>
                </Table.Td>
                <Table.Td>
                  <code style={{ wordBreak: 'break-all' }}>{node.subjectId ?? '—'}</code>
                </Table.Td>
                <Table.Td>
                  {node.detail ? (
                    <code style={{ wordBreak: 'break-all' }}>{JSON.stringify(node.detail)}</code>
                  ) : (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <code>{node.clientRequestId ?? node.requestId ?? '—'}</code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Paging
        shown={log.edges.length}
        hasNext={log.pageInfo.hasNextPage}
        noun="entry"
        plural="entries"
        onNext={() => void navigate({ search: (s) => ({ ...s, after: log.pageInfo.endCursor ?? undefined }) })}
        onFirst={search.after ? () => void navigate({ search: (s) => ({ ...s, after: undefined }) }) : undefined}
      />
    </Stack>
  );
}
