import { Alert, Button, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useClient } from 'urql';
import { errorMessage } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { EventHeader } from '../../components/EventHeader.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import type { AttendeeOrder, AttendeeStatus } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { downloadUrl } from '../../lib/download.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import type { AttendeeSearch } from '../../search.ts';

const AttendeeTableQuery = graphql(`
  query AttendeeTable(
    $eventId: ID!
    $first: Int
    $after: String
    $last: Int
    $before: String
    $search: String
    $status: AttendeeStatus
    $checkedIn: Boolean
    $orderBy: AttendeeOrder
  ) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
    }
    attendees(
      eventId: $eventId
      first: $first
      after: $after
      last: $last
      before: $before
      search: $search
      status: $status
      checkedIn: $checkedIn
      orderBy: $orderBy
    ) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        node {
          id
          firstName
          lastName
          email
          status
          source
          registeredAt
          checkedInAt
          ticketType {
            id
            name
          }
        }
      }
    }
  }
`);

const CreateAttendeesExportMutation = graphql(`
  mutation CreateAttendeesExport($eventId: ID!) {
    createAttendeesExport(input: { eventId: $eventId }) {
      url
    }
  }
`);

const PAGE = 50;

type Search = AttendeeSearch;

/**
 * The attendee table: one page at a time over the `attendees` connection (cursor paging both ways, an exact
 * totalCount), so 100,000 attendees cost what 50 do. Filters live in the address (back, reload and sharing work).
 */
export function Attendees() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const search = useSearch({ strict: false }) as Search;
  const navigate = useNavigate();
  const client = useClient();
  const backwards = Boolean(search.before);
  const [{ data, error, fetching }, reload] = useQuery({
    query: AttendeeTableQuery,
    variables: {
      eventId,
      ...(backwards ? { last: PAGE, before: search.before } : { first: PAGE, after: search.after ?? null }),
      search: search.q ?? null,
      status: (search.status as AttendeeStatus | undefined) ?? null,
      checkedIn: search.checkedIn === undefined ? null : search.checkedIn === 'yes',
      orderBy: (search.order as AttendeeOrder | undefined) ?? null,
    },
    requestPolicy: 'cache-and-network',
  });
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string>();
  useTitle(data?.event ? `Attendees · ${data.event.name}` : 'Attendees');

  const update = (changes: Partial<Search>) =>
    void navigate({
      to: '/events/$eventId/attendees',
      params: { eventId },
      search: (previous) => ({ ...previous, after: undefined, before: undefined, ...changes }),
      replace: true,
    });
  const onSearch = useDebouncedCallback((q: string) => update({ q: q || undefined }), 300);

  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!event || !data) return <Loading />;
  const page = data.attendees;

  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    // A link the browser downloads from, streamed by the server: the file never passes through this page's memory.
    const result = await client.mutation(CreateAttendeesExportMutation, { eventId }).toPromise();
    setExporting(false);
    if (result.error || result.data === undefined) return setExportError(errorMessage(result.error));
    downloadUrl(result.data.createAttendeesExport.url, `${fileName(event.name)}-attendees.csv`);
  };

  return (
    <Stack>
      <EventHeader event={event} title="Attendees" />
      <Group justify="space-between" align="end">
        <Group align="end">
          <TextInput label="Search" placeholder="Name or email" defaultValue={search.q ?? ''} onChange={(e) => onSearch(e.currentTarget.value)} w={240} />
          <NativeSelect
            label="Status"
            value={search.status ?? ''}
            onChange={(e) => update({ status: e.currentTarget.value || undefined })}
            data={[
              { value: '', label: 'Any status' },
              { value: 'REGISTERED', label: 'Registered' },
              { value: 'CHECKED_IN', label: 'Checked in' },
              { value: 'CANCELLED', label: 'Cancelled' },
              { value: 'NO_SHOW', label: 'No-show' },
              { value: 'WAITLISTED', label: 'Waitlisted' },
              { value: 'OFFERED', label: 'Seat offered' },
              { value: 'PENDING_APPROVAL', label: 'Pending approval' },
              { value: 'DECLINED', label: 'Declined' },
            ]}
          />
          <NativeSelect
            label="Checked in"
            value={search.checkedIn ?? ''}
            onChange={(e) => update({ checkedIn: (e.currentTarget.value || undefined) as Search['checkedIn'] })}
            data={[
              { value: '', label: 'Either' },
              { value: 'yes', label: 'Checked in' },
              { value: 'no', label: 'Not checked in' },
            ]}
          />
          <NativeSelect
            label="Order"
            value={search.order ?? ''}
            onChange={(e) => update({ order: e.currentTarget.value || undefined })}
            data={[
              { value: '', label: 'Registered first' },
              { value: 'REGISTERED_AT_DESC', label: 'Registered last' },
              { value: 'LAST_NAME_ASC', label: 'Last name' },
              { value: 'CHECKED_IN_AT_DESC', label: 'Latest check-in' },
            ]}
          />
        </Group>
        <Group>
          <Button variant="default" loading={exporting} onClick={() => void exportCsv()}>
            Export CSV
          </Button>
          <ButtonLink to="/events/$eventId/import" params={{ eventId }} variant="default">
            Import CSV
          </ButtonLink>
        </Group>
      </Group>
      {exportError ? (
        <Alert color="red" role="alert">
          {exportError}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={860}>
        <Table striped highlightOnHover aria-busy={fetching} aria-label="Attendees">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Ticket type</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Registered</Table.Th>
              <Table.Th scope="col">Checked in</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody data-testid="attendee-rows">
            {page.edges.map(({ node: a }) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId, attendeeId: a.id }} fw={600}>
                    {a.firstName} {a.lastName}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{a.email}</Table.Td>
                <Table.Td>{a.ticketType.name}</Table.Td>
                <Table.Td>
                  <StatusBadge status={a.status} />
                </Table.Td>
                <Table.Td>{formatDateTime(a.registeredAt, event.timezone)}</Table.Td>
                <Table.Td>{a.checkedInAt ? formatDateTime(a.checkedInAt, event.timezone) : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {page.edges.length === 0 ? (
        <Text c="dimmed">{search.q || search.status || search.checkedIn ? 'Nobody matches.' : 'Nobody has registered yet.'}</Text>
      ) : null}
      <Group justify="space-between">
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="attendee-total">
          {page.totalCount.toLocaleString('en')} attendee{page.totalCount === 1 ? '' : 's'}
        </Text>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            // Relay answers hasPreviousPage only when paging backwards: coming forward from a cursor, there is one.
            disabled={!page.pageInfo.startCursor || !(search.after || (backwards && page.pageInfo.hasPreviousPage))}
            onClick={() => update({ before: page.pageInfo.startCursor ?? undefined })}
          >
            Previous page
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!page.pageInfo.endCursor || !(backwards || page.pageInfo.hasNextPage)}
            onClick={() => update({ after: page.pageInfo.endCursor ?? undefined })}
          >
            Next page
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

const fileName = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'event';
