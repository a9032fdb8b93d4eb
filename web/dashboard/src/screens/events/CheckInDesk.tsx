import { Badge, Box, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useParams } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useMutation, useSubscription } from 'urql';
import { errorMessage } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { EventHeader } from '../../components/EventHeader.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { graphql } from '../../gql/index.ts';
import { formatTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { can, useViewer } from '../../session.tsx';

const DeskQuery = graphql(`
  query CheckInDesk($eventId: ID!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      stats {
        registered
        checkedIn
      }
    }
    recent: attendees(eventId: $eventId, checkedIn: true, orderBy: CHECKED_IN_AT_DESC, first: 10) {
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

const DeskSearch = graphql(`
  query CheckInDeskSearch($eventId: ID!, $search: String!) {
    attendees(eventId: $eventId, search: $search, first: 8, orderBy: LAST_NAME_ASC) {
      edges {
        node {
          id
          firstName
          lastName
          email
          status
          checkedInAt
          ticketType {
            name
          }
        }
      }
    }
  }
`);

const DeskCheckIn = graphql(`
  mutation DeskCheckIn($input: CheckInInput!) {
    checkIn(input: $input) {
      alreadyCheckedIn
      attendee {
        id
        firstName
        lastName
        status
        checkedInAt
        ticketType {
          name
        }
      }
    }
  }
`);

const DeskUndo = graphql(`
  mutation DeskUndoCheckIn($input: UndoCheckInInput!) {
    undoCheckIn(input: $input) {
      id
      status
      checkedInAt
    }
  }
`);

const DeskLive = graphql(`
  subscription CheckInDeskLive($eventId: ID!) {
    checkIns(eventId: $eventId) {
      checkedInAt
      stats {
        registered
        checkedIn
      }
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

/** A ticket code, as a scanner or a paste delivers it: a random ticket's UUID, or a signed `eg1.` code. */
const looksLikeCode = (text: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text) || /^eg1\.[\w-]+\.[\w-]+$/.test(text);

type Outcome =
  | { kind: 'accepted'; name: string; ticketType: string }
  | { kind: 'duplicate'; name: string; ticketType: string; at: string }
  | { kind: 'refused'; message: string };

interface LiveDesk {
  stats: { registered: number; checkedIn: number };
  arrivals: Arrival[];
}

interface Arrival {
  id: string;
  firstName: string;
  lastName: string;
  checkedInAt?: string | null;
  ticketType: { name: string };
}

/**
 * The check-in desk: type a name (or part of an email) to find someone, or scan/paste a ticket code — a USB or
 * Bluetooth scanner types the code and Enter, so no camera is needed. The answer is big and spoken
 * (aria-live); check-ins from every door arrive in the list live.
 */
export function CheckInDesk() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const manage = can(useViewer().role, 'manage');
  const [{ data, error }, reload] = useQuery({ query: DeskQuery, variables: { eventId }, requestPolicy: 'cache-and-network' });
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text.trim(), 200);
  const searching = debounced.length >= 2 && !looksLikeCode(debounced);
  const [matches, research] = useQuery({ query: DeskSearch, variables: { eventId, search: debounced }, pause: !searching, requestPolicy: 'network-only' });
  const [checking, checkIn] = useMutation(DeskCheckIn);
  const [undoing, undo] = useMutation(DeskUndo);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Live: every check-in at any door (REST, devices, other desks) with the counts after it.
  const [live] = useSubscription(
    { query: DeskLive, variables: { eventId } },
    (previous: LiveDesk | undefined, response): LiveDesk => ({
      stats: response.checkIns.stats,
      arrivals: [
        { ...response.checkIns.attendee, checkedInAt: response.checkIns.checkedInAt },
        ...(previous?.arrivals ?? []).filter((a) => a.id !== response.checkIns.attendee.id),
      ],
    }),
  );
  useTitle(data?.event ? `Check-in desk · ${data.event.name}` : 'Check-in desk');

  const submit = async (request: { qrToken: string } | { attendeeId: string }) => {
    const result = await checkIn({ input: { ...request, eventId } });
    const attendee = result.data?.checkIn.attendee;
    if (!attendee) setOutcome({ kind: 'refused', message: errorMessage(result.error) ?? 'Refused.' });
    else if (result.data?.checkIn.alreadyCheckedIn)
      setOutcome({
        kind: 'duplicate',
        name: `${attendee.firstName} ${attendee.lastName}`,
        ticketType: attendee.ticketType.name,
        at: attendee.checkedInAt ? formatTime(attendee.checkedInAt, data?.event?.timezone) : '',
      });
    else setOutcome({ kind: 'accepted', name: `${attendee.firstName} ${attendee.lastName}`, ticketType: attendee.ticketType.name });
    setText('');
    if (searching) research({ requestPolicy: 'network-only' });
    input.current?.focus();
  };

  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!event || !data) return <Loading />;
  const stats = live.data?.stats ?? event.stats;
  const arrivals = mergeArrivals(
    live.data?.arrivals ?? [],
    data.recent.edges.map((e) => e.node),
  );

  return (
    <Stack maw={1000}>
      <EventHeader event={event} title="Check-in desk" />
      <form
        onSubmit={(submitted) => {
          submitted.preventDefault();
          const code = text.trim();
          if (code === '') return;
          if (looksLikeCode(code)) void submit({ qrToken: code });
          else {
            const only = matches.data?.attendees.edges;
            if (only?.length === 1 && only[0]) void submit({ attendeeId: only[0].node.id });
          }
        }}
      >
        <Group align="end" wrap="nowrap">
          <TextInput
            ref={input}
            label="Search"
            description="A name or email to find someone; or scan or paste a ticket code and press Enter."
            size="lg"
            flex={1}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            data-autofocus
            // The desk exists to take a scan at once; focus returns here after each one.
            autoFocus
          />
          <Button type="submit" size="lg" loading={checking.fetching} disabled={!looksLikeCode(text.trim())}>
            Check in
          </Button>
        </Group>
      </form>

      <Box role="status" aria-live="assertive" aria-atomic="true" data-testid="desk-result">
        {outcome ? <OutcomePanel outcome={outcome} /> : null}
      </Box>

      {searching ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Matches
          </Title>
          {matches.fetching && !matches.data ? <Loading size="sm" label="Searching" /> : null}
          {matches.error ? <QueryError error={matches.error} /> : null}
          {matches.data?.attendees.edges.length === 0 ? <Text c="dimmed">Nobody matches “{debounced}”.</Text> : null}
          <Stack gap="xs">
            {matches.data?.attendees.edges.map(({ node: a }) => (
              <Group key={a.id} justify="space-between" wrap="nowrap">
                <Box>
                  <Text fw={600}>
                    {a.firstName} {a.lastName}
                  </Text>
                  <Text size="sm" c="dimmed">
                    {a.email} · {a.ticketType.name}
                  </Text>
                </Box>
                <Group gap="xs" wrap="nowrap">
                  <StatusBadge status={a.status} />
                  {a.status === 'CHECKED_IN' && manage ? (
                    <Button
                      variant="default"
                      loading={undoing.fetching}
                      onClick={async () => {
                        await undo({ input: { attendeeId: a.id } });
                        research({ requestPolicy: 'network-only' });
                      }}
                      aria-label={`Undo check-in of ${a.firstName} ${a.lastName}`}
                    >
                      Undo check-in
                    </Button>
                  ) : null}
                  {a.status === 'REGISTERED' || a.status === 'NO_SHOW' ? (
                    <Button onClick={() => void submit({ attendeeId: a.id })} loading={checking.fetching} aria-label={`Check in ${a.firstName} ${a.lastName}`}>
                      Check in
                    </Button>
                  ) : null}
                </Group>
              </Group>
            ))}
          </Stack>
        </Card>
      ) : null}

      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Checked in
          </Text>
          <Text fz={36} fw={700} data-testid="desk-checked-in">
            {stats.checkedIn.toLocaleString('en')}
          </Text>
          <Text size="sm" c="dimmed">
            of {stats.registered.toLocaleString('en')} registered
          </Text>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Latest check-ins{' '}
            <Badge variant="dot" color="green" size="sm">
              live
            </Badge>
          </Title>
          {arrivals.length === 0 ? (
            <Text c="dimmed">Nobody yet.</Text>
          ) : (
            <Table>
              <Table.Tbody data-testid="desk-recent">
                {arrivals.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td>{a.checkedInAt ? formatTime(a.checkedInAt, event.timezone) : ''}</Table.Td>
                    <Table.Td>
                      {a.firstName} {a.lastName}
                    </Table.Td>
                    <Table.Td>{a.ticketType.name}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}

function OutcomePanel({ outcome }: { outcome: Outcome }) {
  const look =
    outcome.kind === 'accepted'
      ? { bg: 'teal.9', c: 'white', title: 'Checked in' }
      : outcome.kind === 'duplicate'
        ? { bg: 'yellow.5', c: 'black', title: 'Already checked in' }
        : { bg: 'red.9', c: 'white', title: 'Not checked in' };
  return (
    <Box bg={look.bg} c={look.c} p="lg" style={{ borderRadius: 12 }}>
      <Text fz={30} fw={800}>
        {look.title}
      </Text>
      {outcome.kind === 'refused' ? (
        <Text fz="xl">{outcome.message}</Text>
      ) : (
        <Text fz="xl">
          {outcome.name} · {outcome.ticketType}
          {outcome.kind === 'duplicate' && outcome.at ? ` · first at ${outcome.at}` : ''}
        </Text>
      )}
    </Box>
  );
}

function mergeArrivals(live: Arrival[], loaded: Arrival[]): Arrival[] {
  const seen = new Set<string>();
  return [...live, ...loaded]
    .filter((a) => !seen.has(a.id) && seen.add(a.id))
    .sort((a, b) => (b.checkedInAt ?? '').localeCompare(a.checkedInAt ?? ''))
    .slice(0, 10);
}
