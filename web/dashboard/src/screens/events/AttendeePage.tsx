import { Alert, Badge, Button, Card, Grid, Group, Image, Stack, Table, Text, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { errorMessage } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { EventHeader } from '../../components/EventHeader.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusBadge, statusLabel } from '../../components/StatusBadge.tsx';
import { graphql } from '../../gql/index.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { EditAttendee } from './EditAttendee.tsx';

const AttendeePageQuery = graphql(`
  query AttendeePage($eventId: ID!, $attendeeId: ID!, $historyActions: [String!]) {
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
      }
    }
    attendee(id: $attendeeId) {
      id
      firstName
      lastName
      email
      phone
      country
      status
      source
      testMode
      registeredAt
      checkedInAt
      erasedAt
      qrCodeUrl
      waitlistPosition
      offerExpiresAt
      customData
      ticketType {
        id
        name
        slug
      }
      customFields {
        value
        field {
          id
          fieldKey
          fieldLabel
          fieldType
          required
          options
        }
      }
    }
    history: auditLog(subjectId: $attendeeId, actions: $historyActions, first: 50) {
      edges {
        node {
          id
          action
          actorType
          actorId
          detail
          createdAt
        }
      }
    }
  }
`);

const CheckInAttendee = graphql(`
  mutation CheckInAttendee($input: CheckInInput!) {
    checkIn(input: $input) {
      alreadyCheckedIn
      attendee {
        id
        status
        checkedInAt
      }
    }
  }
`);

const UndoCheckInAttendee = graphql(`
  mutation UndoCheckInAttendee($input: UndoCheckInInput!) {
    undoCheckIn(input: $input) {
      id
      status
      checkedInAt
    }
  }
`);

const SetStatus = graphql(`
  mutation SetAttendeeStatus($input: SetAttendeeStatusInput!) {
    setAttendeeStatus(input: $input) {
      id
      status
      checkedInAt
    }
  }
`);

const ApproveOne = graphql(`
  mutation ApproveOne($input: ApproveAttendeeInput!) {
    approveAttendee(input: $input) {
      id
      status
    }
  }
`);

const DeclineOne = graphql(`
  mutation DeclineOne($input: DeclineAttendeeInput!) {
    declineAttendee(input: $input) {
      id
      status
    }
  }
`);

const EraseAttendee = graphql(`
  mutation EraseAttendee($input: EraseAttendeeInput!) {
    eraseAttendee(input: $input) {
      id
      firstName
      lastName
      email
      erasedAt
    }
  }
`);

/** The changes worth a line in the attendee's history (reads are in the audit log, not here). */
const HISTORY_ACTIONS = ['attendee.status_changed', 'attendee.check_in_undone', 'attendee.updated', 'attendee.erased'];

const SOURCES: Record<string, string> = { API: 'REST API', FORM: 'public form', IMPORT: 'CSV import', DASHBOARD: 'dashboard' };

/** One attendee: every field, the answers under their labels, the QR code, what happened to them, and what to do. */
export function AttendeePage() {
  const { eventId, attendeeId } = useParams({ strict: false }) as { eventId: string; attendeeId: string };
  const [{ data, error }, reload] = useQuery({ query: AttendeePageQuery, variables: { eventId, attendeeId, historyActions: HISTORY_ACTIONS } });
  const [checkedIn, checkIn] = useMutation(CheckInAttendee);
  const [undone, undo] = useMutation(UndoCheckInAttendee);
  const [statusChange, setStatus] = useMutation(SetStatus);
  const [erased, erase] = useMutation(EraseAttendee);
  const [approved, approve] = useMutation(ApproveOne);
  const [declined, decline] = useMutation(DeclineOne);
  const [editing, setEditing] = useState(false);
  const attendee = data?.attendee;
  useTitle(attendee ? `${attendee.firstName} ${attendee.lastName}` : 'Attendee');
  const refresh = () => reload({ requestPolicy: 'network-only' });

  if (error && !attendee) return <QueryError error={error} retry={refresh} />;
  const event = data?.event;
  if (!event || !attendee) return <Loading />;
  const actionError = checkedIn.error ?? undone.error ?? statusChange.error ?? erased.error ?? approved.error ?? declined.error;
  const isErased = Boolean(attendee.erasedAt);
  // Erasure writes "Erased" into both names: the page says it once.
  const name = isErased ? 'Erased' : `${attendee.firstName} ${attendee.lastName}`;
  const after = (run: Promise<{ data?: unknown }>) => run.then((r) => (r.data ? refresh() : undefined));

  return (
    <Stack maw={1100}>
      <EventHeader event={event} title={name} />
      {actionError ? (
        <Alert color="red" role="alert" title="That did not work">
          {errorMessage(actionError)}
        </Alert>
      ) : null}
      <Group>
        <StatusBadge status={attendee.status} />
        {attendee.testMode ? (
          <Badge color="dark" variant="outline">
            test
          </Badge>
        ) : null}
        {isErased ? (
          <Badge color="gray" variant="filled">
            personal data erased
          </Badge>
        ) : null}
      </Group>
      {attendee.status === 'WAITLISTED' ? (
        <Text>
          Number {attendee.waitlistPosition} on the {attendee.ticketType.name} waitlist. No ticket yet.{' '}
          <AnchorLink to="/events/$eventId/waitlist" params={{ eventId }}>
            Manage the waitlist
          </AnchorLink>
        </Text>
      ) : null}
      {attendee.status === 'OFFERED' && attendee.offerExpiresAt ? (
        <Text>A seat is held for them until {formatDateTime(attendee.offerExpiresAt, event.timezone)}; they claim it from the link we emailed.</Text>
      ) : null}
      <Group gap="sm" role="group" aria-label="Actions">
        {attendee.status === 'PENDING_APPROVAL' ? (
          <>
            <Button loading={approved.fetching} disabled={isErased} onClick={() => void after(approve({ input: { attendeeId: attendee.id } }))}>
              Approve
            </Button>
            <ConfirmButton
              variant="default"
              color="red"
              disabled={isErased}
              loading={declined.fetching}
              title={`Decline ${name}’s request?`}
              message="They get an email saying their request was declined. To give a reason, decline from Waitlist & approvals."
              confirmLabel="Decline"
              onConfirm={() => after(decline({ input: { attendeeId: attendee.id } }))}
            >
              Decline
            </ConfirmButton>
          </>
        ) : null}
        {attendee.status === 'REGISTERED' || attendee.status === 'NO_SHOW' ? (
          <Button loading={checkedIn.fetching} disabled={isErased} onClick={() => void after(checkIn({ input: { attendeeId: attendee.id, eventId } }))}>
            Check in
          </Button>
        ) : null}
        {attendee.status === 'CHECKED_IN' ? (
          <Button variant="default" loading={undone.fetching} onClick={() => void after(undo({ input: { attendeeId: attendee.id } }))}>
            Undo check-in
          </Button>
        ) : null}
        {attendee.status === 'CANCELLED' || attendee.status === 'DECLINED' ? (
          <Button
            variant="default"
            loading={statusChange.fetching}
            disabled={isErased}
            onClick={() => void after(setStatus({ input: { attendeeId: attendee.id, status: 'REGISTERED' } }))}
          >
            {attendee.status === 'DECLINED' ? 'Register anyway' : 'Restore registration'}
          </Button>
        ) : (
          <ConfirmButton
            variant="default"
            color="red"
            disabled={isErased}
            loading={statusChange.fetching}
            title={`Cancel ${name}’s registration?`}
            message="Their seat is freed, their ticket stops working at the door, and attendee.status_changed is sent to your webhooks. You can restore it while seats remain."
            confirmLabel="Cancel registration"
            onConfirm={() => after(setStatus({ input: { attendeeId: attendee.id, status: 'CANCELLED' } }))}
          >
            Cancel registration
          </ConfirmButton>
        )}
        <Button variant="default" disabled={isErased} onClick={() => setEditing(true)}>
          Edit
        </Button>
        <ConfirmButton
          variant="light"
          color="red"
          disabled={isErased}
          loading={erased.fetching}
          title={`Erase ${name}’s personal data?`}
          message={`${name} (${attendee.email}) will read “Erased” everywhere: their name, email, phone, country, answers and ticket, and every copy in webhook and email logs. Counts and check-in times stay. This cannot be undone.`}
          confirmLabel="Erase personal data"
          onConfirm={() => after(erase({ input: { attendeeId: attendee.id } }))}
        >
          Erase personal data
        </ConfirmButton>
      </Group>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder component="section" aria-labelledby="details-title">
            <Title order={2} size="h4" id="details-title" mb="sm">
              Registration
            </Title>
            <Table variant="vertical" layout="fixed">
              <Table.Tbody>
                <Row label="First name" value={attendee.firstName} />
                <Row label="Last name" value={attendee.lastName} />
                <Row label="Email" value={attendee.email} />
                <Row label="Phone" value={attendee.phone} />
                <Row label="Country" value={attendee.country} />
                <Row label="Ticket type" value={`${attendee.ticketType.name} (${attendee.ticketType.slug})`} />
                <Row label="Status" value={statusLabel(attendee.status)} />
                <Row
                  label="Registered"
                  value={`${formatDateTime(attendee.registeredAt, event.timezone)} through the ${SOURCES[attendee.source] ?? attendee.source}`}
                />
                <Row label="Checked in" value={attendee.checkedInAt ? formatDateTime(attendee.checkedInAt, event.timezone) : null} />
                <Row label="Attendee ID" value={attendee.id} />
              </Table.Tbody>
            </Table>
            <Title order={3} size="h5" mt="lg" mb="xs">
              Answers
            </Title>
            {attendee.customFields.length === 0 ? (
              <Text c="dimmed" size="sm">
                This event asks no extra questions.
              </Text>
            ) : (
              <Table variant="vertical" layout="fixed">
                <Table.Tbody>
                  {attendee.customFields.map(({ field, value }) => (
                    <Row key={field.id} label={field.fieldLabel} value={answerText(value)} />
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder component="section" aria-labelledby="ticket-title">
            <Title order={2} size="h4" id="ticket-title" mb="sm">
              Ticket
            </Title>
            {isErased ? (
              <Text c="dimmed">No ticket: the personal data was erased.</Text>
            ) : attendee.qrCodeUrl ? (
              <Image src={attendee.qrCodeUrl} alt={`QR code of ${name}’s ticket`} w={220} h={220} fit="contain" />
            ) : (
              <Text c="dimmed">No ticket yet: {statusLabel(attendee.status).toLowerCase()}.</Text>
            )}
          </Card>
        </Grid.Col>
      </Grid>

      <Card withBorder component="section" aria-labelledby="history-title">
        <Title order={2} size="h4" id="history-title" mb="sm">
          History
        </Title>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">What</Table.Th>
              <Table.Th scope="col">Who</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody data-testid="attendee-history">
            {[...data.history.edges.map((e) => e.node)].map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td>{formatDateTime(entry.createdAt, event.timezone)}</Table.Td>
                <Table.Td>{describe(entry.action, entry.detail)}</Table.Td>
                <Table.Td>
                  {entry.actorType === 'user' ? 'a dashboard user' : entry.actorType === 'api_key' ? `API key ${entry.actorId ?? ''}…` : 'EventoGate'}
                </Table.Td>
              </Table.Tr>
            ))}
            {attendee.checkedInAt ? (
              <Table.Tr>
                <Table.Td>{formatDateTime(attendee.checkedInAt, event.timezone)}</Table.Td>
                <Table.Td>Checked in</Table.Td>
                <Table.Td>the door</Table.Td>
              </Table.Tr>
            ) : null}
            <Table.Tr>
              <Table.Td>{formatDateTime(attendee.registeredAt, event.timezone)}</Table.Td>
              <Table.Td>Registered</Table.Td>
              <Table.Td>the {SOURCES[attendee.source] ?? attendee.source}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Card>
      <EditAttendee
        opened={editing}
        attendee={attendee}
        ticketTypes={event.ticketTypes}
        onClose={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          refresh();
        }}
      />
    </Stack>
  );
}

function Row({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <Table.Tr>
      <Table.Th w={180}>{label}</Table.Th>
      <Table.Td style={{ wordBreak: 'break-word' }}>{value === null || value === undefined || value === '' ? '—' : value}</Table.Td>
    </Table.Tr>
  );
}

function answerText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

function describe(action: string, detail: unknown): string {
  const d = (detail ?? {}) as { from?: string; to?: string; fields?: string[] };
  const words = (status?: string) => (status ? statusLabel(status.toUpperCase()).toLowerCase() : '?');
  switch (action) {
    case 'attendee.status_changed':
      return `Status changed from ${words(d.from)} to ${words(d.to)}`;
    case 'attendee.check_in_undone':
      return 'Check-in undone';
    case 'attendee.updated':
      return `Edited: ${(d.fields ?? []).join(', ').replaceAll('_', ' ') || 'details'}`;
    case 'attendee.erased':
      return 'Personal data erased';
    default:
      return action;
  }
}
