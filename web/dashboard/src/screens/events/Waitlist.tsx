import { Alert, Badge, Button, Checkbox, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { type CombinedError, useMutation } from 'urql';
import { errorMessage } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { EventHeader } from '../../components/EventHeader.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

/** One page per line and queue: a longer line is worked from its head. */
const SHOWN = 100;

const WaitlistPageQuery = graphql(`
  query WaitlistPage($eventId: ID!, $first: Int!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      ticketTypes {
        id
        name
        slug
        capacity
        waitlist
        offerHours
        requiresApproval
        registeredCount
        remaining
        waitlistedCount
        pendingApprovalCount
      }
    }
    pending: attendees(eventId: $eventId, status: PENDING_APPROVAL, first: $first) {
      totalCount
      edges {
        node {
          id
          firstName
          lastName
          email
          registeredAt
          ticketType {
            id
            name
          }
        }
      }
    }
    offered: attendees(eventId: $eventId, status: OFFERED, first: $first) {
      totalCount
      edges {
        node {
          id
          firstName
          lastName
          email
          offerExpiresAt
          ticketType {
            id
            name
          }
        }
      }
    }
  }
`);

const LineQuery = graphql(`
  query WaitlistLine($eventId: ID!, $ticketTypeId: ID!, $first: Int!) {
    waitlist(eventId: $eventId, ticketTypeId: $ticketTypeId, first: $first) {
      totalCount
      edges {
        node {
          id
          firstName
          lastName
          email
          registeredAt
          waitlistPosition
        }
      }
    }
  }
`);

const Approve = graphql(`
  mutation ApproveAttendee($input: ApproveAttendeeInput!) {
    approveAttendee(input: $input) {
      id
      status
      waitlistPosition
    }
  }
`);

const Decline = graphql(`
  mutation DeclineAttendee($input: DeclineAttendeeInput!) {
    declineAttendee(input: $input) {
      id
      status
    }
  }
`);

const Offer = graphql(`
  mutation OfferWaitlistSeat($input: OfferWaitlistSeatInput!) {
    offerWaitlistSeat(input: $input) {
      id
      status
      offerExpiresAt
    }
  }
`);

const Move = graphql(`
  mutation MoveWaitlistEntry($input: MoveWaitlistEntryInput!) {
    moveWaitlistEntry(input: $input) {
      id
      waitlistPosition
    }
  }
`);

const Remove = graphql(`
  mutation RemoveWaitlistEntry($input: SetAttendeeStatusInput!) {
    setAttendeeStatus(input: $input) {
      id
      status
    }
  }
`);

const WAITLIST_MODE = { OFF: 'off', AUTO: 'automatic: the next in line gets a freed seat', OFFER: 'offer: the next in line gets a claim link' } as const;

/**
 * Waitlist & approvals: the requests awaiting a decision (decided one by one or a selection at once), the seats
 * offered and until when, and each ticket type's line in order, where the organiser moves, offers or removes.
 */
export function Waitlist() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const [{ data, error }, reload] = useQuery({ query: WaitlistPageQuery, variables: { eventId, first: SHOWN } });
  useTitle('Waitlist & approvals');
  const refresh = () => reload({ requestPolicy: 'network-only' });
  if (error && !data) return <QueryError error={error} retry={refresh} />;
  const event = data?.event;
  if (!event || !data) return <Loading />;
  const lines = event.ticketTypes.filter((t) => t.waitlist !== 'OFF' || t.waitlistedCount > 0);
  return (
    <Stack maw={1100}>
      <EventHeader event={event} title="Waitlist & approvals" />
      <ApprovalQueue
        eventId={eventId}
        timezone={event.timezone}
        total={data.pending.totalCount}
        requests={data.pending.edges.map((e) => e.node)}
        onChange={refresh}
      />
      {data.offered.totalCount > 0 ? (
        <Paper withBorder p="lg" component="section" aria-labelledby="offered-title">
          <Title order={2} size="h4" id="offered-title" mb="sm">
            Seats offered ({data.offered.totalCount})
          </Title>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Ticket type</Table.Th>
                <Table.Th scope="col">Held until</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.offered.edges.map(({ node }) => (
                <Table.Tr key={node.id}>
                  <Table.Td>
                    <PersonLink eventId={eventId} person={node} />
                  </Table.Td>
                  <Table.Td>{node.ticketType.name}</Table.Td>
                  <Table.Td>{node.offerExpiresAt ? formatDateTime(node.offerExpiresAt, event.timezone) : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ) : null}
      {lines.length === 0 ? (
        <Text c="dimmed">No ticket type has a waitlist. Turn one on in Event Settings → Ticket types.</Text>
      ) : (
        lines.map((type) => <Line key={type.id} eventId={eventId} timezone={event.timezone} ticketType={type} onChange={refresh} />)
      )}
    </Stack>
  );
}

interface Person {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
}

function PersonLink({ eventId, person }: { eventId: string; person: Person }) {
  return (
    <>
      <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId, attendeeId: person.id }}>
        {person.firstName} {person.lastName}
      </AnchorLink>
      <Text size="xs" c="dimmed">
        {person.email}
      </Text>
    </>
  );
}

function ActionError({ error }: { error: CombinedError | undefined | null }) {
  return error ? (
    <Alert color="red" role="alert" title="That did not work">
      {errorMessage(error)}
    </Alert>
  ) : null;
}

function ApprovalQueue(props: {
  eventId: string;
  timezone: string;
  total: number;
  requests: ReadonlyArray<Person & { registeredAt: string; ticketType: { id: string; name: string } }>;
  onChange: () => void;
}) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [reason, setReason] = useState('');
  const [approved, approve] = useMutation(Approve);
  const [declined, decline] = useMutation(Decline);
  const [outcome, setOutcome] = useState<string>();
  const busy = approved.fetching || declined.fetching;
  const toggle = (id: string) => setSelected((s) => new Set(s.has(id) ? [...s].filter((x) => x !== id) : [...s, id]));
  /** Each decided on its own, in order: one refused (a full type) does not stop the others. */
  const decideAll = async (ids: readonly string[], how: 'approve' | 'decline') => {
    let done = 0;
    let queued = 0;
    let refused = 0;
    for (const attendeeId of ids) {
      const result =
        how === 'approve'
          ? await approve({ input: { attendeeId } })
          : await decline({ input: { attendeeId, ...(reason.trim() ? { reason: reason.trim() } : {}) } });
      if (result.error) refused++;
      else if (how === 'approve' && result.data && 'approveAttendee' in result.data && result.data.approveAttendee.status === 'WAITLISTED') queued++;
      else done++;
    }
    setOutcome(
      `${done} ${how === 'approve' ? 'approved' : 'declined'}` +
        (queued ? `, ${queued} put first on the waitlist (the type is full)` : '') +
        (refused ? `, ${refused} refused (see the message above)` : '') +
        '.',
    );
    setSelected(new Set());
    props.onChange();
  };
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="approvals-title">
      <Stack>
        <Title order={2} size="h4" id="approvals-title">
          Awaiting approval ({props.total})
        </Title>
        <ActionError error={approved.error ?? declined.error} />
        {outcome ? (
          <Text role="status" size="sm">
            {outcome}
          </Text>
        ) : null}
        {props.requests.length === 0 ? (
          <Text c="dimmed">No request awaits a decision.</Text>
        ) : (
          <>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">
                    <Checkbox
                      aria-label="Select every request shown"
                      checked={selected.size === props.requests.length}
                      indeterminate={selected.size > 0 && selected.size < props.requests.length}
                      onChange={(e) => setSelected(new Set(e.currentTarget.checked ? props.requests.map((r) => r.id) : []))}
                    />
                  </Table.Th>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Ticket type</Table.Th>
                  <Table.Th scope="col">Asked</Table.Th>
                  <Table.Th scope="col">
                    <Text span size="sm" fw={700}>
                      Actions
                    </Text>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {props.requests.map((request) => (
                  <Table.Tr key={request.id}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${request.firstName} ${request.lastName}`}
                        checked={selected.has(request.id)}
                        onChange={() => toggle(request.id)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <PersonLink eventId={props.eventId} person={request} />
                    </Table.Td>
                    <Table.Td>{request.ticketType.name}</Table.Td>
                    <Table.Td>{formatDateTime(request.registeredAt, props.timezone)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          disabled={busy}
                          aria-label={`Approve ${request.firstName} ${request.lastName}`}
                          onClick={() => void decideAll([request.id], 'approve')}
                        >
                          Approve
                        </Button>
                        <Button
                          size="compact-sm"
                          variant="default"
                          color="red"
                          disabled={busy}
                          aria-label={`Decline ${request.firstName} ${request.lastName}`}
                          onClick={() => void decideAll([request.id], 'decline')}
                        >
                          Decline
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group align="end">
              <TextInput
                label="Reason for declining"
                description="Sent to the person in the decline email; optional"
                value={reason}
                maxLength={1000}
                onChange={(e) => setReason(e.currentTarget.value)}
                w={360}
              />
              <Button disabled={selected.size === 0} loading={approved.fetching} onClick={() => void decideAll([...selected], 'approve')}>
                Approve selected ({selected.size})
              </Button>
              <ConfirmButton
                variant="default"
                color="red"
                disabled={selected.size === 0}
                loading={declined.fetching}
                title={`Decline ${selected.size} request${selected.size === 1 ? '' : 's'}?`}
                message="Each person gets an email saying their request was declined, with your reason if you gave one."
                confirmLabel="Decline"
                onConfirm={() => decideAll([...selected], 'decline')}
              >
                Decline selected ({selected.size})
              </ConfirmButton>
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function Line(props: {
  eventId: string;
  timezone: string;
  ticketType: {
    id: string;
    name: string;
    waitlist: 'OFF' | 'AUTO' | 'OFFER';
    offerHours: number;
    remaining?: number | null;
    waitlistedCount: number;
  };
  onChange: () => void;
}) {
  const { ticketType } = props;
  const [{ data, error }, reload] = useQuery({ query: LineQuery, variables: { eventId: props.eventId, ticketTypeId: ticketType.id, first: SHOWN } });
  const [moved, move] = useMutation(Move);
  const [offered, offer] = useMutation(Offer);
  const [removed, remove] = useMutation(Remove);
  const changed = (run: Promise<{ data?: unknown }>) =>
    run.then((r) => {
      if (r.data) {
        reload({ requestPolicy: 'network-only' });
        props.onChange();
      }
    });
  const entries = data?.waitlist.edges.map((e) => e.node) ?? [];
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby={`line-${ticketType.id}`}>
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4" id={`line-${ticketType.id}`}>
            {ticketType.name}: waitlist ({ticketType.waitlistedCount})
          </Title>
          <Badge variant="outline" color="dark">
            {WAITLIST_MODE[ticketType.waitlist]}
            {ticketType.waitlist === 'OFFER' ? `, ${ticketType.offerHours} h` : ''}
          </Badge>
        </Group>
        {error ? <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} /> : null}
        <ActionError error={moved.error ?? offered.error ?? removed.error} />
        {entries.length === 0 ? (
          <Text c="dimmed">Nobody is waiting.</Text>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" ta="right">
                  Position
                </Table.Th>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Joined</Table.Th>
                <Table.Th scope="col">
                  <Text span size="sm" fw={700}>
                    Actions
                  </Text>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry, i) => {
                const name = `${entry.firstName} ${entry.lastName}`;
                const position = entry.waitlistPosition ?? i + 1;
                return (
                  <Table.Tr key={entry.id}>
                    <Table.Td ta="right">{position}</Table.Td>
                    <Table.Td>
                      <PersonLink eventId={props.eventId} person={entry} />
                    </Table.Td>
                    <Table.Td>{formatDateTime(entry.registeredAt, props.timezone)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="default"
                          disabled={position === 1}
                          aria-label={`Move up: ${name}`}
                          onClick={() => void changed(move({ input: { attendeeId: entry.id, position: position - 1 } }))}
                        >
                          Move up
                        </Button>
                        <Button
                          size="compact-sm"
                          variant="default"
                          disabled={position === ticketType.waitlistedCount}
                          aria-label={`Move down: ${name}`}
                          onClick={() => void changed(move({ input: { attendeeId: entry.id, position: position + 1 } }))}
                        >
                          Move down
                        </Button>
                        <ConfirmButton
                          size="compact-sm"
                          variant="light"
                          aria-label={`Offer seat: ${name}`}
                          title={`Offer ${name} a seat now?`}
                          message={`They get a link by email to claim it; the seat is held for them for ${ticketType.offerHours} hours. No seat is free while people wait, so the capacity grows by one for them.`}
                          confirmLabel="Offer seat"
                          loading={offered.fetching}
                          onConfirm={() => changed(offer({ input: { attendeeId: entry.id } }))}
                        >
                          Offer seat
                        </ConfirmButton>
                        <ConfirmButton
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          aria-label={`Remove ${name} from the waitlist`}
                          title={`Remove ${name} from the waitlist?`}
                          message="They leave the line (status cancelled) and attendee.status_changed is sent to your webhooks."
                          confirmLabel="Remove"
                          loading={removed.fetching}
                          onConfirm={() => changed(remove({ input: { attendeeId: entry.id, status: 'CANCELLED' } }))}
                        >
                          Remove
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}
