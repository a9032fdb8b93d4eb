import { Alert, Badge, Button, Card, Group, Image, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation, useSubscription } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { CopyValue } from '../../components/CopyValue.tsx';
import { EventHeader } from '../../components/EventHeader.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { Paging } from '../../components/Paging.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import type { ScanOutcome } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime, formatTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const DoorQuery = graphql(`
  query Door($eventId: ID!) {
    event(id: $eventId) {
      id
      name
      status
      startsAt
      timezone
      venue
      zones {
        id
        name
        capacity
        insideNow
      }
    }
    scannerDevices(eventId: $eventId) {
      id
      name
      tokenPrefix
      createdAt
      lastSeenAt
      pendingUploads
      revokedAt
      zone {
        id
        name
      }
    }
    scanConflicts(eventId: $eventId) {
      attendee {
        id
        firstName
        lastName
        erasedAt
      }
      scans {
        id
        scannedAt
        offline
        outcome
        device {
          id
          name
        }
        zone {
          id
          name
        }
      }
    }
  }
`);

const ScanLogQuery = graphql(`
  query DoorScanLog($eventId: ID!, $outcome: ScanOutcome, $after: String) {
    scans(eventId: $eventId, first: 25, after: $after, outcome: $outcome) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          scannedAt
          direction
          outcome
          reason
          offline
          source
          attendee {
            id
            firstName
            lastName
            erasedAt
          }
          zone {
            id
            name
          }
          device {
            id
            name
          }
        }
      }
    }
  }
`);

const OccupancySubscription = graphql(`
  subscription DoorOccupancy($eventId: ID!) {
    zoneOccupancy(eventId: $eventId) {
      zoneId
      insideNow
    }
  }
`);

const CreateZone = graphql(`
  mutation DoorCreateZone($input: CreateZoneInput!) {
    createZone(input: $input) {
      id
    }
  }
`);

const CreateDevice = graphql(`
  mutation DoorCreateDevice($input: CreateScannerDeviceInput!) {
    createScannerDevice(input: $input) {
      pairingUrl
      pairingQrSvg
      device {
        id
        name
      }
    }
  }
`);

const RevokeDevice = graphql(`
  mutation DoorRevokeDevice($input: RevokeScannerDeviceInput!) {
    revokeScannerDevice(input: $input) {
      id
      revokedAt
    }
  }
`);

const OUTCOMES: Array<{ value: '' | ScanOutcome; label: string }> = [
  { value: '', label: 'Every outcome' },
  { value: 'ACCEPTED', label: 'Accepted' },
  { value: 'DUPLICATE', label: 'Duplicate' },
  { value: 'REJECTED', label: 'Rejected' },
];

const personName = (a: { firstName: string; lastName: string; erasedAt?: unknown } | null | undefined) =>
  !a ? 'Unknown ticket' : a.erasedAt ? 'Erased' : `${a.firstName} ${a.lastName}`;

/**
 * The door: zones with who is inside now (live), the phones that scan (pair one by showing it a QR code; revoke a
 * lost one), tickets let in twice while offline (copied tickets), and the scan log.
 */
export function Door() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const [{ data, error }, reload] = useQuery({ query: DoorQuery, variables: { eventId }, requestPolicy: 'cache-and-network' });
  const [occupancy] = useSubscription({ query: OccupancySubscription, variables: { eventId } });
  const [zoneCreated, createZone] = useMutation(CreateZone);
  const [deviceCreated, createDevice] = useMutation(CreateDevice);
  const [revoked, revoke] = useMutation(RevokeDevice);
  const [pairing, setPairing] = useState<{ name: string; url: string; qr: string }>();
  useTitle(data?.event ? `Door · ${data.event.name}` : 'Door');
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!data || !event) return <Loading />;
  const refresh = () => reload({ requestPolicy: 'network-only' });
  const inside = new Map((occupancy.data?.zoneOccupancy ?? []).map((z) => [z.zoneId, z.insideNow]));
  const zoneErrors = fieldErrors(zoneCreated.error);
  const deviceErrors = fieldErrors(deviceCreated.error);

  return (
    <Stack maw={1100}>
      <EventHeader event={event} title="Door" />

      <Title order={2} size="h3">
        Zones
      </Title>
      <Text size="sm">A zone is a part of the venue with its own door (a hall, a VIP area). Each person is inside at most one.</Text>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
        {event.zones.map((zone) => {
          const now = inside.get(zone.id) ?? zone.insideNow;
          return (
            <Card key={zone.id} withBorder data-testid="zone">
              <Text fw={600}>{zone.name}</Text>
              <Text size="xl" fw={700} aria-live="polite">
                {now.toLocaleString('en')}
                {zone.capacity ? ` / ${zone.capacity.toLocaleString('en')}` : ''}
              </Text>
              <Text size="sm" c="dimmed">
                inside now{zone.capacity && now >= zone.capacity ? ' · full' : ''}
              </Text>
            </Card>
          );
        })}
      </SimpleGrid>
      <Paper withBorder p="md">
        <form
          aria-label="New zone"
          onSubmit={async (submitted) => {
            const form = submitted.currentTarget;
            const values = formValues(submitted);
            const capacity = (values.capacity ?? '').trim();
            const result = await createZone({ input: { eventId, name: values.name ?? '', capacity: capacity === '' ? null : Number(capacity) } });
            if (result.data) {
              form.reset();
              refresh();
            }
          }}
        >
          <FormAlert>{formError(zoneCreated.error, ['name', 'capacity'])}</FormAlert>
          <Group align="end">
            <TextInput label="Name" name="name" required maxLength={100} placeholder="Main hall" error={zoneErrors.name} />
            <TextInput label="Capacity" name="capacity" type="number" min={1} placeholder="No limit" error={zoneErrors.capacity} />
            <Button type="submit" loading={zoneCreated.fetching}>
              Add zone
            </Button>
          </Group>
        </form>
      </Paper>

      <Title order={2} size="h3" mt="md">
        Scanner devices
      </Title>
      <Text size="sm">
        Any phone with a camera can scan tickets at the door, online or off: add a device, then point the phone's camera at its pairing code (or open the link
        on it). A lost phone is revoked here and can do nothing more.
      </Text>
      <Paper withBorder p="md">
        <form
          aria-label="New device"
          onSubmit={async (submitted) => {
            const form = submitted.currentTarget;
            const values = formValues(submitted);
            const result = await createDevice({ input: { eventId, name: values.name ?? '', zoneId: values.zoneId || null } });
            const created = result.data?.createScannerDevice;
            if (created) {
              form.reset();
              setPairing({
                name: created.device.name,
                url: created.pairingUrl,
                qr: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(created.pairingQrSvg)}`,
              });
              refresh();
            }
          }}
        >
          <FormAlert>{formError(deviceCreated.error, ['name', 'zoneId'])}</FormAlert>
          <Group align="end">
            <TextInput label="Name" name="name" required maxLength={100} placeholder="Door 1 phone" error={deviceErrors.name} />
            <NativeSelect
              label="Zone"
              name="zoneId"
              data={[{ value: '', label: 'No zone (check-in only)' }, ...event.zones.map((z) => ({ value: z.id, label: z.name }))]}
              error={deviceErrors.zoneId}
            />
            <Button type="submit" loading={deviceCreated.fetching}>
              Add device
            </Button>
          </Group>
        </form>
      </Paper>
      {pairing ? (
        <Alert color="indigo" title={`Pair “${pairing.name}”`} role="status" withCloseButton onClose={() => setPairing(undefined)} closeButtonLabel="Done">
          <Group align="start" wrap="wrap">
            <Image src={pairing.qr} alt={`Pairing code for ${pairing.name}`} w={220} h={220} data-testid="pairing-qr" />
            <Stack gap="xs" maw={520}>
              <Text size="sm">
                Point the phone's camera at this code, or open the link on the phone. It is shown only now: it carries the device's key. If it is lost, revoke
                the device and add another.
              </Text>
              <CopyValue value={pairing.url} label="pairing link" testId="pairing-url" />
            </Stack>
          </Group>
        </Alert>
      ) : null}
      {revoked.error ? (
        <Alert color="red" role="alert">
          {errorMessage(revoked.error)}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={820}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Device</Table.Th>
              <Table.Th scope="col">Zone</Table.Th>
              <Table.Th scope="col">Key</Table.Th>
              <Table.Th scope="col">Last seen</Table.Th>
              <Table.Th scope="col">Waiting to upload</Table.Th>
              <Table.Th scope="col">State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.scannerDevices.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text size="sm" c="dimmed">
                    No device yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {data.scannerDevices.map((device) => (
              <Table.Tr key={device.id} data-testid="device">
                <Table.Td>{device.name}</Table.Td>
                <Table.Td>{device.zone?.name ?? '—'}</Table.Td>
                <Table.Td>
                  <code>{device.tokenPrefix}…</code>
                </Table.Td>
                <Table.Td>{device.lastSeenAt ? formatDateTime(device.lastSeenAt, event.timezone) : 'never'}</Table.Td>
                <Table.Td>{device.pendingUploads}</Table.Td>
                <Table.Td>
                  {device.revokedAt ? (
                    <Text size="sm" c="dimmed">
                      revoked {formatDateTime(device.revokedAt, event.timezone)}
                    </Text>
                  ) : (
                    <ConfirmButton
                      size="compact-sm"
                      variant="light"
                      color="red"
                      aria-label={`Revoke ${device.name}`}
                      title={`Revoke “${device.name}”?`}
                      message={`The phone can no longer sync or upload.${device.pendingUploads > 0 ? ` It still holds ${device.pendingUploads} scans it has not uploaded: they will be lost.` : ''} This cannot be undone.`}
                      confirmLabel="Revoke"
                      loading={revoked.fetching}
                      onConfirm={() => revoke({ input: { id: device.id } })}
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

      <Title order={2} size="h3" mt="md">
        Copied tickets
      </Title>
      <Text size="sm">
        Tickets let in more than once while phones were offline: by two devices, or twice by one. Each is someone who may have shared their ticket.
      </Text>
      {data.scanConflicts.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="no-conflicts">
          None.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Attendee</Table.Th>
                <Table.Th scope="col">Entries</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.scanConflicts.map((conflict) => (
                <Table.Tr key={conflict.attendee.id} data-testid="conflict">
                  <Table.Td>
                    <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId, attendeeId: conflict.attendee.id }}>
                      {personName(conflict.attendee)}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>
                    {conflict.scans
                      .map(
                        (s) =>
                          `${formatTime(s.scannedAt, event.timezone)} ${s.device?.name ?? 'online'}${s.zone ? ` → ${s.zone.name}` : ''}${s.offline ? ' (offline)' : ''}`,
                      )
                      .join(' · ')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <ScanLog eventId={eventId} timeZone={event.timezone} />
    </Stack>
  );
}

/** The scan log, newest first, by outcome: its own request (with the rest of the door it would pass the cost limit). */
function ScanLog({ eventId, timeZone }: { eventId: string; timeZone: string }) {
  const search = useSearch({ from: '/signed-in/events/$eventId/door' });
  const navigate = useNavigate({ from: '/events/$eventId/door' });
  const [{ data, error }, reload] = useQuery({
    query: ScanLogQuery,
    variables: { eventId, outcome: (search.outcome as ScanOutcome | undefined) ?? null, after: search.after ?? null },
    requestPolicy: 'cache-and-network',
  });
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading label="Loading the scan log" />;
  return (
    <>
      <Title order={2} size="h3" mt="md">
        Scan log
      </Title>
      <Group align="end">
        <NativeSelect
          label="Outcome"
          value={search.outcome ?? ''}
          data={OUTCOMES}
          onChange={(e) => void navigate({ search: { outcome: e.currentTarget.value || undefined } })}
        />
      </Group>
      <Table.ScrollContainer minWidth={900}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Scanned</Table.Th>
              <Table.Th scope="col">Attendee</Table.Th>
              <Table.Th scope="col">Outcome</Table.Th>
              <Table.Th scope="col">Direction</Table.Th>
              <Table.Th scope="col">Zone</Table.Th>
              <Table.Th scope="col">By</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.scans.edges.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text size="sm" c="dimmed">
                    No scans{search.outcome ? ' with this outcome' : ''} yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {data.scans.edges.map(({ node }) => (
              <Table.Tr key={node.id} data-testid="scan">
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(node.scannedAt, timeZone)}</Table.Td>
                <Table.Td>
                  {node.attendee ? (
                    <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId, attendeeId: node.attendee.id }}>
                      {personName(node.attendee)}
                    </AnchorLink>
                  ) : (
                    'Unknown ticket'
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge miw="max-content" color={node.outcome === 'ACCEPTED' ? 'teal.9' : node.outcome === 'DUPLICATE' ? 'yellow.9' : 'red.9'} autoContrast>
                    {node.outcome.toLowerCase()}
                  </Badge>
                  {node.reason ? ` ${node.reason.replaceAll('_', ' ')}` : ''}
                </Table.Td>
                <Table.Td>{node.direction.toLowerCase()}</Table.Td>
                <Table.Td>{node.zone?.name ?? '—'}</Table.Td>
                <Table.Td>
                  {node.device?.name ?? node.source}
                  {node.offline ? ' (offline)' : ''}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Paging
        total={data.scans.totalCount}
        shown={data.scans.edges.length}
        hasNext={data.scans.pageInfo.hasNextPage}
        noun="scan"
        onNext={() => void navigate({ search: (s) => ({ ...s, after: data.scans.pageInfo.endCursor ?? undefined }) })}
        onFirst={search.after ? () => void navigate({ search: (s) => ({ ...s, after: undefined }) }) : undefined}
      />
    </>
  );
}
