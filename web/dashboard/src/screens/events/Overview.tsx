import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useSubscription } from 'urql';
import { onLiveConnection } from '../../api/client.ts';
import { useQuery } from '../../api/query.ts';
import { EventHeader } from '../../components/EventHeader.tsx';
import { LoadFailed } from '../../components/LoadFailed.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formatTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const RegistrationsChart = lazy(() => import('./RegistrationsChart.tsx'));

const OverviewQuery = graphql(`
  query EventOverview($eventId: ID!, $from: DateTime!, $to: DateTime!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      capacity
      stats {
        registered
        checkedIn
        cancelled
        noShow
        capacityRemaining
      }
      ticketTypes {
        id
        name
        slug
        capacity
        stats {
          registered
          checkedIn
          cancelled
          capacityRemaining
        }
      }
      registrationsOverTime(bucket: DAY, from: $from, to: $to) {
        start
        count
      }
    }
    recentCheckIns: attendees(eventId: $eventId, checkedIn: true, orderBy: CHECKED_IN_AT_DESC, first: 10) {
      edges {
        node {
          id
          firstName
          lastName
          checkedInAt
          ticketType {
            name
          }
        }
      }
    }
  }
`);

const StatsSubscription = graphql(`
  subscription OverviewStats($eventId: ID!) {
    eventStats(eventId: $eventId) {
      registered
      checkedIn
      cancelled
      noShow
      capacityRemaining
    }
  }
`);

const CheckInsSubscription = graphql(`
  subscription OverviewCheckIns($eventId: ID!) {
    checkIns(eventId: $eventId) {
      checkedInAt
      attendee {
        id
        firstName
        lastName
        ticketType {
          name
        }
      }
    }
  }
`);

const DAY = 24 * 3_600_000;

/** The chart's window: the 30 days up to the end of today (UTC), fixed for the screen's life so the query is stable. */
function chartWindow(): { from: string; to: string } {
  const end = new Date();
  end.setUTCHours(24, 0, 0, 0);
  return { from: new Date(end.getTime() - 30 * DAY).toISOString(), to: end.toISOString() };
}

function Stat({ label, value, testId, hint }: { label: string; value: number | null; testId: string; hint?: string }) {
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed" id={`${testId}-label`}>
        {label}
      </Text>
      <Text fz={32} fw={700} data-testid={testId} aria-labelledby={`${testId}-label`}>
        {/* The number alone, no grouping (CONTRACT §13: tests and scrapers read it as it is). */}
        {value === null ? '∞' : String(value)}
      </Text>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Card>
  );
}

/**
 * An event at a glance: its numbers (live: the eventStats subscription moves them the moment anyone registers or
 * checks in, on any server process), per ticket type, registrations per day, and check-ins as they arrive.
 */
export function Overview() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const range = useMemo(chartWindow, []);
  const [{ data, error }, reload] = useQuery({ query: OverviewQuery, variables: { eventId, ...range }, requestPolicy: 'cache-and-network' });
  const [live] = useSubscription({ query: StatsSubscription, variables: { eventId } });
  const [arrivals] = useSubscription({ query: CheckInsSubscription, variables: { eventId } }, (previous: CheckIn[] = [], response) => [
    { ...response.checkIns.attendee, checkedInAt: response.checkIns.checkedInAt },
    ...previous.filter((c) => c.id !== response.checkIns.attendee.id),
  ]);
  const [connected, setConnected] = useState(false);
  useEffect(() => onLiveConnection(setConnected), []);
  useTitle(data?.event?.name ?? 'Event');

  // The per-type table and the chart follow the live numbers: re-read (one request) at most every 5 s.
  const lastReload = useRef(0);
  const liveStats = live.data?.eventStats;
  useEffect(() => {
    if (!liveStats) return;
    const wait = Math.max(0, lastReload.current + 5_000 - Date.now());
    const timer = setTimeout(() => {
      lastReload.current = Date.now();
      reload({ requestPolicy: 'network-only' });
    }, wait);
    return () => clearTimeout(timer);
  }, [liveStats, reload]);

  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!event) return <Loading />;
  const stats = liveStats ?? event.stats;
  const recent = mergeRecent(
    arrivals.data ?? [],
    data.recentCheckIns.edges.map((e) => e.node),
  );

  return (
    <Stack>
      <EventHeader event={event} title={event.name} />
      <Group justify="space-between">
        <Title order={2} size="h3">
          Numbers
        </Title>
        <Badge color={connected ? 'green' : 'gray'} variant="dot" role="status">
          {connected ? 'Live' : 'Connecting…'}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat
          label="Registered"
          value={stats.registered}
          testId="stat-registered"
          hint={event.capacity ? `of ${event.capacity.toLocaleString('en')}` : 'no limit'}
        />
        <Stat label="Checked in" value={stats.checkedIn} testId="stat-checked-in" />
        <Stat label="Cancelled" value={stats.cancelled} testId="stat-cancelled" />
        <Stat label="Remaining" value={stats.capacityRemaining ?? null} testId="stat-remaining" />
      </SimpleGrid>

      <Title order={2} size="h3" mt="md">
        By ticket type
      </Title>
      <Table.ScrollContainer minWidth={560}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Ticket type</Table.Th>
              <Table.Th scope="col" ta="right">
                Registered
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Checked in
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Cancelled
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Remaining
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {event.ticketTypes.map((type) => (
              <Table.Tr key={type.id}>
                <Table.Th scope="row" fw={500}>
                  {type.name}{' '}
                  <Text span c="dimmed" size="sm">
                    ({type.slug})
                  </Text>
                </Table.Th>
                <Table.Td ta="right">
                  {type.stats.registered.toLocaleString('en')}
                  {type.capacity !== null ? ` / ${type.capacity.toLocaleString('en')}` : ''}
                </Table.Td>
                <Table.Td ta="right">{type.stats.checkedIn.toLocaleString('en')}</Table.Td>
                <Table.Td ta="right">{type.stats.cancelled.toLocaleString('en')}</Table.Td>
                <Table.Td ta="right">{type.stats.capacityRemaining === null ? 'no limit' : type.stats.capacityRemaining.toLocaleString('en')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <SimpleGrid cols={{ base: 1, lg: 2 }} mt="md" spacing="xl">
        <Stack gap="xs">
          <Title order={2} size="h3">
            Registrations, last 30 days
          </Title>
          <LoadFailed what="The chart">
            <Suspense fallback={<Loading size="sm" label="Loading the chart" />}>
              <RegistrationsChart buckets={event.registrationsOverTime} timezone={event.timezone} />
            </Suspense>
          </LoadFailed>
        </Stack>
        <Stack gap="xs">
          <Title order={2} size="h3">
            Latest check-ins
          </Title>
          {recent.length === 0 ? (
            <Text c="dimmed">Nobody has checked in yet.</Text>
          ) : (
            <Table aria-live="polite">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Time</Table.Th>
                  <Table.Th scope="col">Attendee</Table.Th>
                  <Table.Th scope="col">Ticket type</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody data-testid="recent-check-ins">
                {recent.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>{c.checkedInAt ? formatTime(c.checkedInAt, event.timezone) : ''}</Table.Td>
                    <Table.Td>
                      <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId, attendeeId: c.id }}>
                        {c.firstName} {c.lastName}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>{c.ticketType.name}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

interface CheckIn {
  id: string;
  firstName: string;
  lastName: string;
  checkedInAt: string | null;
  ticketType: { name: string };
}

/** Live arrivals first, then the page's list, each attendee once, newest first, ten in all. */
function mergeRecent(live: CheckIn[], loaded: CheckIn[]): CheckIn[] {
  const seen = new Set<string>();
  return [...live, ...loaded]
    .filter((c) => !seen.has(c.id) && seen.add(c.id))
    .sort((a, b) => (b.checkedInAt ?? '').localeCompare(a.checkedInAt ?? ''))
    .slice(0, 10);
}
