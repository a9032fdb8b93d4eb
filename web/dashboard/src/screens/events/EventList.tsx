import { Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useQuery } from '../../api/query.ts';
import { AnchorLink } from '../../components/links.tsx';
import { Paging } from '../../components/Paging.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import type { EventOrder, EventStatus } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import type { EventSearch } from '../../search.ts';
import { can, useViewer } from '../../session.tsx';

const EventListQuery = graphql(`
  query EventList($first: Int!, $after: String, $search: String, $status: EventStatus, $orderBy: EventOrder) {
    events(first: $first, after: $after, search: $search, status: $status, orderBy: $orderBy) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          startsAt
          timezone
          venue
          status
          capacity
          stats {
            registered
            checkedIn
          }
        }
      }
    }
  }
`);

const PAGE = 25;

export function EventList() {
  useTitle('Events');
  const viewer = useViewer();
  const manage = can(viewer.role, 'manage');
  const search = useSearch({ strict: false }) as EventSearch;
  const navigate = useNavigate();
  const [{ data, error, fetching }, reload] = useQuery({
    query: EventListQuery,
    variables: {
      first: PAGE,
      after: search.after ?? null,
      search: search.q ?? null,
      status: (search.status as EventStatus | undefined) ?? null,
      orderBy: (search.order as EventOrder | undefined) ?? null,
    },
    requestPolicy: 'cache-and-network',
  });
  const update = (changes: Record<string, string | undefined>) =>
    void navigate({ to: '/events', search: (previous) => ({ ...previous, after: undefined, ...changes }), replace: true });
  const onSearch = useDebouncedCallback((q: string) => update({ q: q || undefined }), 300);
  const events = data?.events;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Events</Title>
        {/* A button (CONTRACT §13 names it one) that goes to the form. */}
        {manage ? <Button onClick={() => void navigate({ to: '/events/new' })}>New event</Button> : null}
      </Group>
      <Group align="end">
        <TextInput label="Search" placeholder="Name or venue" defaultValue={search.q ?? ''} onChange={(e) => onSearch(e.currentTarget.value)} w={260} />
        <NativeSelect
          label="Status"
          value={search.status ?? ''}
          onChange={(e) => update({ status: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: 'Any status' },
            { value: 'PUBLISHED', label: 'Published' },
            { value: 'DRAFT', label: 'Draft' },
            { value: 'CANCELLED', label: 'Cancelled' },
          ]}
        />
        <NativeSelect
          label="Order"
          value={search.order ?? ''}
          onChange={(e) => update({ order: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: 'Starting soonest' },
            { value: 'STARTS_AT_DESC', label: 'Starting latest' },
            { value: 'CREATED_AT_DESC', label: 'Newest first' },
          ]}
        />
      </Group>
      {error ? <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} /> : null}
      {events ? (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover aria-busy={fetching}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Event</Table.Th>
                  <Table.Th scope="col">Starts</Table.Th>
                  <Table.Th scope="col">Venue</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col" ta="right">
                    Registered
                  </Table.Th>
                  <Table.Th scope="col" ta="right">
                    Checked in
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.edges.map(({ node: event }) => (
                  <Table.Tr key={event.id}>
                    <Table.Td>
                      {manage ? (
                        <AnchorLink to="/events/$eventId" params={{ eventId: event.id }} fw={600}>
                          {event.name}
                        </AnchorLink>
                      ) : (
                        <Stack gap={2}>
                          <Text fw={600}>{event.name}</Text>
                          <AnchorLink to="/events/$eventId/check-in" params={{ eventId: event.id }} size="sm">
                            Check-in desk
                          </AnchorLink>
                        </Stack>
                      )}
                    </Table.Td>
                    <Table.Td>{formatDateTime(event.startsAt, event.timezone)}</Table.Td>
                    <Table.Td>{event.venue ?? '—'}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={event.status} />
                    </Table.Td>
                    <Table.Td ta="right">
                      {event.stats.registered.toLocaleString('en')}
                      {event.capacity !== null ? ` / ${event.capacity.toLocaleString('en')}` : ''}
                    </Table.Td>
                    <Table.Td ta="right">{event.stats.checkedIn.toLocaleString('en')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {events.edges.length === 0 ? (
            <Text c="dimmed">{search.q || search.status ? 'No event matches.' : manage ? 'No events yet: create your first one.' : 'No events yet.'}</Text>
          ) : null}
          <Paging
            noun="event"
            total={events.totalCount}
            shown={events.edges.length}
            hasNext={events.pageInfo.hasNextPage}
            onNext={() => update({ after: events.pageInfo.endCursor ?? undefined, q: search.q, status: search.status, order: search.order })}
            onFirst={search.after ? () => update({}) : undefined}
          />
        </>
      ) : null}
    </Stack>
  );
}
