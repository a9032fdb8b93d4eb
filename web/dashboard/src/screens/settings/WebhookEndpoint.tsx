import { Alert, Badge, Button, Card, Checkbox, Code, Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { CopyValue } from '../../components/CopyValue.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { Paging } from '../../components/Paging.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import type { DeliveryStatus, WebhookTrigger } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formatDateTime, utcToZoned, zonedToUtc } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { successRate } from './Webhooks.tsx';
import { EndpointFields, endpointValues, TRIGGERS } from './webhook-form.tsx';

const EndpointQuery = graphql(`
  query WebhookEndpointPage($id: ID!, $status: DeliveryStatus, $after: String) {
    node(id: $id) {
      ... on WebhookEndpoint {
        id
        url
        description
        eventId
        enabled
        disabledAt
        disabledReason
        pausedUntil
        triggers
        selectedFields
        rateLimitPerSecond
        secretOverlapEndsAt
        createdAt
        stats {
          succeeded24h
          failed24h
          lastSuccessAt
          lastFailureAt
          pendingCount
          p95DurationMs
        }
      }
    }
    webhookDeliveries(endpointId: $id, first: 20, after: $after, status: $status) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          status
          trigger
          attendeeId
          isTest
          createdAt
          nextAttemptAt
          attemptCount
          payload
          attempts {
            id
            attemptNumber
            createdAt
            statusCode
            durationMs
            responseBody
            error
            errorClass
            manual
            requestHeaders
          }
        }
      }
    }
    events(first: 100, orderBy: CREATED_AT_DESC) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const UpdateEndpoint = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      id
      url
      enabled
      eventId
      triggers
      selectedFields
      rateLimitPerSecond
      description
      disabledReason
    }
  }
`);

const DeleteEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input)
  }
`);

const RotateSecret = graphql(`
  mutation RotateWebhookSecret($input: RotateWebhookSecretInput!) {
    rotateWebhookSecret(input: $input) {
      secret
      endpoint {
        id
        secretOverlapEndsAt
      }
    }
  }
`);

const SendTest = graphql(`
  mutation SendTestWebhook($input: SendTestWebhookInput!) {
    sendTestWebhook(input: $input) {
      id
    }
  }
`);

const Redeliver = graphql(`
  mutation RedeliverWebhook($input: RedeliverWebhookInput!) {
    redeliverWebhook(input: $input) {
      id
      status
    }
  }
`);

const Replay = graphql(`
  mutation ReplayWebhookDeliveries($input: ReplayWebhookDeliveriesInput!) {
    replayWebhookDeliveries(input: $input) {
      queued
    }
  }
`);

const STATUSES: Array<{ value: '' | DeliveryStatus; label: string }> = [
  { value: '', label: 'Every status' },
  { value: 'FAILED', label: 'Failed' },
  { value: 'PENDING', label: 'Pending' },
  { value: 'SUCCEEDED', label: 'Succeeded' },
];

const statusColor = (status: string) => (status === 'SUCCEEDED' ? 'teal.9' : status === 'FAILED' ? 'red.9' : 'yellow.9');
const triggerLabel = (value: string) => TRIGGERS.find((t) => t.value === value)?.label ?? value;
/** The browser's zone: "Replay failed since" is typed on the wall clock of whoever reads the page. */
const HERE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const VERIFY = `import crypto from "node:crypto";

// X-EventoGate-Signature: "sha256=<hex>", keyed with the whole whsec_… secret (the REST page's verifier).
export function verifyEventoGate(rawBody, header, secret) {
  const expected = "sha256=" + crypto.createHmac("sha256", secret).update(rawBody).digest("hex");
  return header.length === expected.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(header));
}

// Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), with replay protection;
// or use any Standard Webhooks library: new Webhook(secret).verify(rawBody, headers).
export function verifyStandard(rawBody, headers, secret, toleranceSeconds = 300) {
  const id = headers["webhook-id"], timestamp = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = crypto.createHmac("sha256", key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest("base64");
  return headers["webhook-signature"].split(" ").some((s) => s === \`v1,\${expected}\`);
}`;

/**
 * One endpoint: its health, every delivery with every attempt (status code, time taken, what the receiver said),
 * redelivery of one or a window of failed ones, a test ping, its settings, and secret rotation.
 */
export function WebhookEndpoint() {
  const { endpointId } = useParams({ strict: false }) as { endpointId: string };
  const search = useSearch({ from: '/signed-in/settings/webhooks/$endpointId' });
  const navigate = useNavigate({ from: '/settings/webhooks/$endpointId' });
  const [{ data, error, fetching }, reload] = useQuery({
    query: EndpointQuery,
    variables: { id: endpointId, status: (search.status as DeliveryStatus | undefined) ?? null, after: search.after ?? null },
    requestPolicy: 'cache-and-network',
  });
  const [updated, update] = useMutation(UpdateEndpoint);
  const [deleted, remove] = useMutation(DeleteEndpoint);
  const [rotated, rotate] = useMutation(RotateSecret);
  const [tested, sendTest] = useMutation(SendTest);
  const [redelivered, redeliver] = useMutation(Redeliver);
  const [replayed, replay] = useMutation(Replay);
  const [open, setOpen] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [since, setSince] = useState(() => utcToZoned(new Date(Date.now() - 24 * 3600_000), HERE));
  const [sinceError, setSinceError] = useState<string>();
  const endpoint = data?.node && 'url' in data.node ? data.node : undefined;
  useTitle(endpoint ? `Webhook · ${endpoint.url}` : 'Webhook');

  // Attempts happen in the background: while any is due, look again every 3 s.
  const waiting = Boolean(endpoint && endpoint.stats.pendingCount > 0);
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => reload({ requestPolicy: 'network-only' }), 3000);
    return () => clearInterval(timer);
  }, [waiting, reload]);

  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading />;
  if (!endpoint)
    return (
      <Stack>
        <Title order={1}>Endpoint not found</Title>
        <Text>It was deleted, or it belongs to another organisation.</Text>
        <AnchorLink to="/settings/webhooks">Back to Webhooks</AnchorLink>
      </Stack>
    );
  const refresh = () => reload({ requestPolicy: 'network-only' });
  const events = data.events.edges.map((e) => e.node);
  const errors = fieldErrors(updated.error);
  const deliveries = data.webhookDeliveries;
  const stats = endpoint.stats;

  return (
    <Stack maw={1100}>
      <AnchorLink to="/settings/webhooks" size="sm">
        ← Webhooks
      </AnchorLink>
      <Group gap="sm">
        <Title order={1} style={{ wordBreak: 'break-all' }}>
          {endpoint.url}
        </Title>
        {endpoint.enabled ? (
          <Badge miw="max-content" color="teal.9">
            enabled
          </Badge>
        ) : (
          <Badge miw="max-content" color="red.9">
            disabled
          </Badge>
        )}
      </Group>
      {endpoint.disabledReason ? (
        <Alert color="red" title="Disabled automatically">
          {endpoint.disabledReason} Turn it back on below (Enabled, then Save), then replay what it missed.
        </Alert>
      ) : null}
      {endpoint.pausedUntil && new Date(endpoint.pausedUntil) > new Date() ? (
        <Alert color="yellow">The receiver asked us to wait (429/503 Retry-After) until {formatDateTime(endpoint.pausedUntil)}.</Alert>
      ) : null}

      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Success, last 24 h
          </Text>
          <Text fw={700} data-testid="success-rate">
            {successRate(stats)}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Latency (p95)
          </Text>
          <Text fw={700}>{stats.p95DurationMs === null || stats.p95DurationMs === undefined ? '—' : `${stats.p95DurationMs} ms`}</Text>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Last failure
          </Text>
          <Text fw={700}>{stats.lastFailureAt ? formatDateTime(stats.lastFailureAt) : 'none'}</Text>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Waiting
          </Text>
          <Text fw={700}>{stats.pendingCount}</Text>
        </Card>
      </SimpleGrid>

      <Group>
        <Button
          variant="default"
          loading={tested.fetching}
          onClick={async () => {
            const result = await sendTest({ input: { id: endpoint.id } });
            if (result.data) refresh();
          }}
        >
          Send test
        </Button>
        <ConfirmButton
          variant="default"
          color="indigo"
          title="Rotate the signing secret?"
          message="A new secret is made and shown once. For the next 24 hours every request is signed with both: webhook-signature carries the new and the old signature, so a receiver still checking with the old secret keeps accepting while you deploy the new one. X-EventoGate-Signature uses the new secret at once."
          confirmLabel="Rotate secret"
          loading={rotated.fetching}
          onConfirm={() => rotate({ input: { id: endpoint.id } })}
        >
          Rotate secret
        </ConfirmButton>
      </Group>
      {tested.error || rotated.error || redelivered.error ? (
        <Alert color="red" role="alert">
          {errorMessage(tested.error ?? rotated.error ?? redelivered.error)}
        </Alert>
      ) : null}
      {tested.data ? (
        <Text size="sm" role="status">
          Test ping sent as {tested.data.sendTestWebhook.id}: see it below.
        </Text>
      ) : null}
      {rotated.data ? (
        <Alert color="indigo" title="Copy the new secret now" role="status">
          <Stack gap="xs">
            <Text size="sm">
              Shown only now. The old one keeps signing <code>webhook-signature</code> too until{' '}
              {rotated.data.rotateWebhookSecret.endpoint.secretOverlapEndsAt
                ? formatDateTime(rotated.data.rotateWebhookSecret.endpoint.secretOverlapEndsAt)
                : 'now'}
              .
            </Text>
            <CopyValue value={rotated.data.rotateWebhookSecret.secret} testId="new-secret" />
          </Stack>
        </Alert>
      ) : null}

      <Title order={2} size="h3" mt="md">
        Deliveries
      </Title>
      <Group align="end" justify="space-between">
        <NativeSelect
          label="Status"
          value={search.status ?? ''}
          data={STATUSES}
          onChange={(e) => void navigate({ search: { status: e.currentTarget.value || undefined } })}
        />
        <form
          onSubmit={async (submitted) => {
            submitted.preventDefault();
            const at = zonedToUtc(since, HERE);
            if (!at) return setSinceError('Type a date and time as YYYY-MM-DD HH:mm.');
            setSinceError(undefined);
            const result = await replay({ input: { endpointId: endpoint.id, since: at.toISOString() } });
            if (result.data) refresh();
          }}
        >
          <Group align="end">
            <TextInput
              label={`Failed since (${HERE})`}
              name="since"
              value={since}
              onChange={(e) => setSince(e.currentTarget.value)}
              placeholder="YYYY-MM-DD HH:mm"
              error={sinceError ?? fieldErrors(replayed.error).since}
              w={230}
            />
            <Button type="submit" variant="default" loading={replayed.fetching}>
              Replay failed since…
            </Button>
          </Group>
        </form>
      </Group>
      {replayed.data ? (
        <Text size="sm" role="status" data-testid="replayed">
          {replayed.data.replayWebhookDeliveries.queued} deliver{replayed.data.replayWebhookDeliveries.queued === 1 ? 'y' : 'ies'} will be sent again.
        </Text>
      ) : null}
      {replayed.error && !fieldErrors(replayed.error).since ? (
        <Alert color="red" role="alert">
          {errorMessage(replayed.error)}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={860}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Trigger</Table.Th>
              <Table.Th scope="col">Attendee</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
              <Table.Th scope="col">Attempts</Table.Th>
              <Table.Th scope="col">Delivery</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {deliveries.edges.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text size="sm" c="dimmed">
                    No deliveries{search.status ? ' with this status' : ''} yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {deliveries.edges.flatMap(({ node }) => {
              const shown = open === node.id;
              const rows = [
                <Table.Tr key={node.id} data-testid="delivery">
                  <Table.Td>
                    <Badge miw="max-content" color={statusColor(node.status)} autoContrast>
                      {node.status.toLowerCase()}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {triggerLabel(node.trigger)}
                    {node.isTest ? ' (test)' : ''}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {node.attendeeId ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(node.createdAt)}</Table.Td>
                  <Table.Td>
                    {node.attemptCount}
                    {node.status === 'PENDING' && node.nextAttemptAt ? (
                      <Text size="xs" c="dimmed">
                        next {formatDateTime(node.nextAttemptAt)}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Text size="xs" ff="monospace">
                        {node.id}
                      </Text>
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        aria-label={`${shown ? 'Hide' : 'Show'} ${node.id}`}
                        aria-expanded={shown}
                        aria-controls={`delivery-${node.id}`}
                        onClick={() => setOpen(shown ? undefined : node.id)}
                      >
                        {shown ? 'Hide' : 'Show'}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>,
              ];
              if (shown)
                rows.push(
                  <Table.Tr key={`${node.id}-detail`}>
                    <Table.Td colSpan={6} id={`delivery-${node.id}`} data-testid="delivery-detail">
                      <Stack gap="sm">
                        <Table withTableBorder>
                          <Table.Thead>
                            <Table.Tr>
                              <Table.Th scope="col">#</Table.Th>
                              <Table.Th scope="col">Time</Table.Th>
                              <Table.Th scope="col">Status code</Table.Th>
                              <Table.Th scope="col">Duration</Table.Th>
                              <Table.Th scope="col">Response</Table.Th>
                              <Table.Th scope="col">Error</Table.Th>
                            </Table.Tr>
                          </Table.Thead>
                          <Table.Tbody>
                            {node.attempts.map((a) => (
                              <Table.Tr key={a.id} data-testid="attempt">
                                <Table.Td>
                                  {a.attemptNumber}
                                  {a.manual ? ' (manual)' : ''}
                                </Table.Td>
                                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(a.createdAt)}</Table.Td>
                                <Table.Td data-testid="attempt-status">{a.statusCode ?? '—'}</Table.Td>
                                <Table.Td>{a.durationMs} ms</Table.Td>
                                <Table.Td>
                                  <code style={{ wordBreak: 'break-all' }}>{a.responseBody?.slice(0, 300) ?? ''}</code>
                                </Table.Td>
                                <Table.Td>{a.error ? `${a.errorClass ?? 'error'}: ${a.error}` : ''}</Table.Td>
                              </Table.Tr>
                            ))}
                          </Table.Tbody>
                        </Table>
                        <Group>
                          <Button
                            size="xs"
                            variant="default"
                            loading={redelivered.fetching}
                            onClick={async () => {
                              const result = await redeliver({ input: { id: node.id } });
                              if (result.data) refresh();
                            }}
                          >
                            Redeliver
                          </Button>
                          <Text size="xs" c="dimmed">
                            Sent again now with the same delivery id, so a receiver that de-duplicates stays correct.
                          </Text>
                        </Group>
                        <Tabs defaultValue="payload">
                          <Tabs.List>
                            <Tabs.Tab value="payload">Payload</Tabs.Tab>
                            <Tabs.Tab value="headers">Headers</Tabs.Tab>
                          </Tabs.List>
                          <Tabs.Panel value="payload" pt="xs">
                            <Code block data-testid="payload">
                              {pretty(node.payload)}
                            </Code>
                          </Tabs.Panel>
                          <Tabs.Panel value="headers" pt="xs">
                            <Code block>
                              {node.attempts.length > 0
                                ? Object.entries(node.attempts[node.attempts.length - 1]!.requestHeaders as Record<string, string>)
                                    .map(([k, v]) => `${k}: ${v}`)
                                    .join('\n')
                                : 'Not sent yet.'}
                            </Code>
                          </Tabs.Panel>
                        </Tabs>
                      </Stack>
                    </Table.Td>
                  </Table.Tr>,
                );
              return rows;
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Paging
        total={deliveries.totalCount}
        shown={deliveries.edges.length}
        hasNext={deliveries.pageInfo.hasNextPage}
        noun="delivery"
        plural="deliveries"
        onNext={() => void navigate({ search: (s) => ({ ...s, after: deliveries.pageInfo.endCursor ?? undefined }) })}
        onFirst={search.after ? () => void navigate({ search: (s) => ({ ...s, after: undefined }) }) : undefined}
      />
      <Group gap="xs">
        <Button size="xs" variant="subtle" loading={fetching} onClick={refresh}>
          Refresh
        </Button>
      </Group>

      <Title order={2} size="h3" mt="md">
        Settings
      </Title>
      <Paper withBorder p="lg">
        <form
          noValidate
          onSubmit={async (submitted) => {
            submitted.preventDefault();
            setSaved(false);
            const form = submitted.currentTarget;
            const values = endpointValues(form);
            const enabled = (form.elements.namedItem('enabled') as HTMLInputElement).checked;
            const result = await update({ input: { id: endpoint.id, ...values, enabled } });
            if (result.data) {
              setSaved(true);
              refresh();
            }
          }}
        >
          <Stack>
            <FormAlert>{formError(updated.error, ['url', 'description', 'eventId', 'triggers', 'selectedFields', 'rateLimitPerSecond'])}</FormAlert>
            <EndpointFields
              key={`${endpoint.id}-${endpoint.enabled}`}
              events={events}
              errors={errors}
              initial={{
                url: endpoint.url,
                description: endpoint.description ?? null,
                eventId: endpoint.eventId ?? null,
                triggers: endpoint.triggers as WebhookTrigger[],
                selectedFields: endpoint.selectedFields,
                rateLimitPerSecond: endpoint.rateLimitPerSecond ?? null,
              }}
            />
            <Checkbox name="enabled" label="Enabled" defaultChecked={endpoint.enabled} key={`enabled-${endpoint.enabled}`} />
            <Group justify="space-between">
              <ConfirmButton
                variant="light"
                color="red"
                title="Delete this endpoint?"
                message="Nothing more is sent to it, and its delivery log is deleted with it. This cannot be undone."
                confirmLabel="Delete endpoint"
                loading={deleted.fetching}
                onConfirm={async () => {
                  const result = await remove({ input: { id: endpoint.id } });
                  if (result.data) await navigate({ to: '/settings/webhooks' });
                }}
              >
                Delete endpoint
              </ConfirmButton>
              <Group>
                {saved ? (
                  <Text size="sm" c="teal.9" role="status">
                    Saved.
                  </Text>
                ) : null}
                <Button type="submit" loading={updated.fetching}>
                  Save
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      </Paper>

      <Title order={2} size="h3" mt="md">
        Verify the signature
      </Title>
      <Text size="sm">Check every request before trusting it, on the raw body exactly as received (before any JSON parsing).</Text>
      <Code block>{VERIFY}</Code>
    </Stack>
  );
}

function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
