import { Alert, Badge, Button, Code, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { CopyValue } from '../../components/CopyValue.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { EndpointFields, endpointValues, TRIGGERS } from './webhook-form.tsx';

const WebhooksQuery = graphql(`
  query Webhooks {
    webhookEndpoints {
      id
      url
      description
      eventId
      enabled
      disabledReason
      triggers
      selectedFields
      rateLimitPerSecond
      createdAt
      stats {
        succeeded24h
        failed24h
        lastFailureAt
        pendingCount
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

const CreateEndpoint = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint {
        id
        url
      }
    }
  }
`);

const triggerLabel = (value: string) => TRIGGERS.find((t) => t.value === value)?.label ?? value;

/** "98 % of 50" over the last 24 hours, or "no attempts". */
export function successRate(stats: { succeeded24h: number; failed24h: number }): string {
  const total = stats.succeeded24h + stats.failed24h;
  return total === 0 ? 'no attempts in 24 h' : `${Math.floor((stats.succeeded24h / total) * 100)} % of ${total.toLocaleString('en')} in 24 h`;
}

/**
 * Settings → Webhooks: where signed POSTs go when attendees register, are let in or change status. The REST page
 * sends integrators here ("managed through the dashboard"; attempts "logged in dashboard under Settings → Webhooks").
 */
export function Webhooks() {
  useTitle('Webhooks');
  const [{ data, error }, reload] = useQuery({ query: WebhooksQuery, requestPolicy: 'cache-and-network' });
  const [created, create] = useMutation(CreateEndpoint);
  const [adding, setAdding] = useState(false);
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  if (!data) return <Loading />;
  const events = data.events.edges.map((e) => e.node);
  const eventName = (id: string | null | undefined) => (id ? (events.find((e) => e.id === id)?.name ?? id) : 'All events');
  const errors = fieldErrors(created.error);
  const secret = created.data?.createWebhookEndpoint;
  return (
    <Stack maw={1100}>
      <Title order={1}>Webhooks</Title>
      <Text size="sm">
        EventoGate POSTs a signed JSON body to each endpoint when an attendee registers, is checked in or changes status. Every attempt is logged on the
        endpoint's page; failed ones are retried after 1, 5 and 15 minutes.
      </Text>
      {secret ? (
        <Alert color="indigo" title="Copy the signing secret now" role="status">
          <Stack gap="xs">
            <Text size="sm">
              This is the only time it is shown. Your receiver checks each request's <code>X-EventoGate-Signature</code> with it (the endpoint's page has the
              code).
            </Text>
            <CopyValue value={secret.secret} testId="new-secret" />
            <AnchorLink to="/settings/webhooks/$endpointId" params={{ endpointId: secret.endpoint.id }}>
              Open {secret.endpoint.url}
            </AnchorLink>
          </Stack>
        </Alert>
      ) : null}
      {adding ? (
        <Paper withBorder p="lg">
          <form
            noValidate
            onSubmit={async (submitted) => {
              submitted.preventDefault();
              const values = endpointValues(submitted.currentTarget);
              const result = await create({ input: values });
              if (result.data) {
                setAdding(false);
                reload({ requestPolicy: 'network-only' });
              }
            }}
          >
            <Stack>
              <Title order={2} size="h4">
                New endpoint
              </Title>
              <FormAlert>{formError(created.error, ['url', 'description', 'eventId', 'triggers', 'selectedFields', 'rateLimitPerSecond'])}</FormAlert>
              <EndpointFields events={events} errors={errors} />
              <Stack align="flex-start">
                <Button type="submit" loading={created.fetching}>
                  Add endpoint
                </Button>
              </Stack>
            </Stack>
          </form>
        </Paper>
      ) : (
        <Stack align="flex-start">
          <Button onClick={() => setAdding(true)}>Add endpoint</Button>
        </Stack>
      )}
      <Table.ScrollContainer minWidth={900}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">URL</Table.Th>
              <Table.Th scope="col">Events</Table.Th>
              <Table.Th scope="col">Triggers</Table.Th>
              <Table.Th scope="col">Fields</Table.Th>
              <Table.Th scope="col">Last 24 hours</Table.Th>
              <Table.Th scope="col">State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.webhookEndpoints.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text size="sm" c="dimmed">
                    No endpoint yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
            {data.webhookEndpoints.map((endpoint) => (
              <Table.Tr key={endpoint.id} data-testid="endpoint">
                <Table.Td style={{ wordBreak: 'break-all' }}>
                  <AnchorLink to="/settings/webhooks/$endpointId" params={{ endpointId: endpoint.id }}>
                    {endpoint.url}
                  </AnchorLink>
                  {endpoint.description ? (
                    <Text size="xs" c="dimmed">
                      {endpoint.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>{eventName(endpoint.eventId)}</Table.Td>
                <Table.Td>
                  <Text size="xs">{endpoint.triggers.map(triggerLabel).join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{endpoint.selectedFields.length === 0 ? 'all' : endpoint.selectedFields.join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{successRate(endpoint.stats)}</Text>
                  {endpoint.stats.lastFailureAt ? (
                    <Text size="xs" c="dimmed">
                      last failure {formatDateTime(endpoint.stats.lastFailureAt)}
                    </Text>
                  ) : null}
                  {endpoint.stats.pendingCount > 0 ? (
                    <Text size="xs" c="dimmed">
                      {endpoint.stats.pendingCount} waiting
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  {endpoint.enabled ? (
                    <Badge miw="max-content" color="teal.9">
                      enabled
                    </Badge>
                  ) : (
                    <Badge miw="max-content" color="red.9">
                      disabled
                    </Badge>
                  )}
                  {endpoint.disabledReason ? (
                    <Text size="xs" c="dimmed">
                      {endpoint.disabledReason}
                    </Text>
                  ) : null}
                  {endpoint.rateLimitPerSecond ? (
                    <Text size="xs" c="dimmed">
                      ≤ {endpoint.rateLimitPerSecond}/s
                    </Text>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Code block>{`POST <your URL>
Content-Type: application/json
X-EventoGate-Event: attendee.registered
X-EventoGate-Delivery: whd_…           (the same on every retry: de-duplicate on it)
X-EventoGate-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
webhook-id, webhook-timestamp, webhook-signature   (Standard Webhooks)`}</Code>
    </Stack>
  );
}
