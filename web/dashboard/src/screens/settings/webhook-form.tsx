import { Checkbox, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import type { WebhookTrigger } from '../../gql/graphql.ts';
import { PAYLOAD_FIELDS } from '../../lib/webhooks.ts';

export const TRIGGERS: Array<{ value: WebhookTrigger; label: string; description: string }> = [
  { value: 'ATTENDEE_REGISTERED', label: 'attendee.registered', description: 'someone registered' },
  { value: 'ATTENDEE_CHECKED_IN', label: 'attendee.checked_in', description: 'someone was let in' },
  { value: 'ATTENDEE_STATUS_CHANGED', label: 'attendee.status_changed', description: 'a registration was cancelled or restored' },
  { value: 'ATTENDEE_SCAN_CONFLICT', label: 'attendee.scan_conflict', description: 'a ticket was let in twice while offline' },
];

export const DEFAULT_TRIGGERS: WebhookTrigger[] = ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED'];

export interface EndpointValues {
  url: string;
  description: string | null;
  eventId: string | null;
  triggers: WebhookTrigger[];
  selectedFields: string[];
  rateLimitPerSecond: number | null;
}

/** The form's values from FormData: checkbox groups arrive as repeated names. */
export function endpointValues(form: HTMLFormElement): EndpointValues {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const rate = text('rateLimitPerSecond');
  return {
    url: text('url'),
    description: text('description') || null,
    eventId: text('eventId') || null,
    triggers: data.getAll('triggers').map(String) as WebhookTrigger[],
    selectedFields: data.getAll('selectedFields').map(String),
    rateLimitPerSecond: rate === '' ? null : Number(rate),
  };
}

/**
 * The fields an endpoint is made of, for both "Add endpoint" and its edit form: URL, which event (or all), which
 * triggers, which payload fields (none picked: all), a rate limit.
 */
export function EndpointFields(props: { events: Array<{ id: string; name: string }>; errors: Record<string, string>; initial?: Partial<EndpointValues> }) {
  const { errors, initial } = props;
  const triggers = initial?.triggers ?? DEFAULT_TRIGGERS;
  const fields = initial?.selectedFields ?? [];
  return (
    <Stack>
      <TextInput
        label="URL"
        name="url"
        type="url"
        required
        placeholder="https://example.com/webhooks/eventogate"
        defaultValue={initial?.url}
        error={errors.url}
        description="HTTPS on a public address. Redirects are not followed."
      />
      <TextInput label="Description" name="description" maxLength={500} defaultValue={initial?.description ?? ''} error={errors.description} />
      <NativeSelect
        label="Events"
        name="eventId"
        defaultValue={initial?.eventId ?? ''}
        data={[{ value: '', label: 'All events' }, ...props.events.map((e) => ({ value: e.id, label: e.name }))]}
        error={errors.eventId}
      />
      <Checkbox.Group label="Triggers" defaultValue={triggers} error={errors.triggers}>
        <Stack gap={6} mt={6}>
          {TRIGGERS.map((t) => (
            <Checkbox key={t.value} name="triggers" value={t.value} label={`${t.label} — ${t.description}`} />
          ))}
        </Stack>
      </Checkbox.Group>
      <Checkbox.Group
        label="Selected Fields"
        description="Only these keys of the payload are sent (plus trigger). None picked: every field."
        defaultValue={fields}
        error={errors.selectedFields}
      >
        <Group gap="md" mt={6}>
          {PAYLOAD_FIELDS.map((f) => (
            <Checkbox key={f} name="selectedFields" value={f} label={f} />
          ))}
        </Group>
      </Checkbox.Group>
      <TextInput
        label="Rate limit"
        name="rateLimitPerSecond"
        type="number"
        min={1}
        w={220}
        defaultValue={initial?.rateLimitPerSecond ?? ''}
        error={errors.rateLimitPerSecond}
        description="Attempts per second at most. Empty: no limit."
      />
      <Text size="xs" c="dimmed">
        At most 4 requests are in flight to one endpoint; a slow receiver only delays its own webhooks.
      </Text>
    </Stack>
  );
}
