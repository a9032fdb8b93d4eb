import { NativeSelect, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useMemo } from 'react';
import { timeZones, utcToZoned, zonedToUtc } from '../lib/time.ts';

export interface EventFieldValues {
  name: string;
  description: string | null;
  startsAt: string;
  endsAt: string;
  timezone: string;
  venue: string | null;
  capacity: number | null;
  status: string;
}

/** The browser's own time zone: the likeliest for a new event. */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The event's core fields, shared by "New event" and Event Settings. Dates are typed as `YYYY-MM-DD HH:mm` in the
 * event's time zone, which the field's description names (CONTRACT §13); the time zone is chosen first.
 */
export function EventFields(props: {
  initial?: EventFieldValues | undefined;
  timezone: string;
  onTimezoneChange: (timezone: string) => void;
  errors: Record<string, string>;
}) {
  const zones = useMemo(() => timeZones(), []);
  const { initial, timezone, errors } = props;
  const when = `YYYY-MM-DD HH:mm, ${timezone} time`;
  return (
    <Stack>
      <TextInput label="Event name" name="name" required maxLength={200} defaultValue={initial?.name} error={errors.name} />
      <NativeSelect
        label="Time zone"
        name="timezone"
        value={timezone}
        onChange={(e) => props.onTimezoneChange(e.currentTarget.value)}
        data={zones}
        description="The dates below are on this time zone’s clock."
        error={errors.timezone}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Starts"
          name="startsAt"
          required
          placeholder="2027-06-01 18:00"
          description={when}
          defaultValue={initial ? utcToZoned(initial.startsAt, initial.timezone) : ''}
          error={errors.startsAt}
          autoComplete="off"
        />
        <TextInput
          label="Ends"
          name="endsAt"
          required
          placeholder="2027-06-01 23:00"
          description={when}
          defaultValue={initial ? utcToZoned(initial.endsAt, initial.timezone) : ''}
          error={errors.endsAt}
          autoComplete="off"
        />
      </SimpleGrid>
      <TextInput label="Venue" name="venue" maxLength={300} defaultValue={initial?.venue ?? ''} error={errors.venue} />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Capacity"
          name="capacity"
          type="number"
          min={1}
          description="Seats in total; empty for unlimited."
          defaultValue={initial?.capacity ?? ''}
          error={errors.capacity}
        />
        <NativeSelect
          label="Status"
          name="status"
          defaultValue={initial?.status ?? 'PUBLISHED'}
          description="Drafts take registrations only through API keys."
          data={[
            { value: 'PUBLISHED', label: 'Published' },
            { value: 'DRAFT', label: 'Draft' },
            { value: 'CANCELLED', label: 'Cancelled' },
          ]}
          error={errors.status}
        />
      </SimpleGrid>
      <Textarea label="Description" name="description" autosize minRows={2} maxRows={8} defaultValue={initial?.description ?? ''} error={errors.description} />
    </Stack>
  );
}

/**
 * The fields as API input, or the errors to show before sending anything (a date that is not `YYYY-MM-DD HH:mm`).
 * The API checks the rest (end before start, capacity…) and its messages appear next to the same fields.
 */
export function eventInputFrom(values: Record<string, string>): { input: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const timezone = values.timezone ?? 'UTC';
  const date = (field: 'startsAt' | 'endsAt' | 'registrationOpensAt' | 'registrationClosesAt', optional = false) => {
    const text = (values[field] ?? '').trim();
    if (optional && text === '') return null;
    const instant = zonedToUtc(text, timezone);
    if (!instant) errors[field] = 'Type the date as YYYY-MM-DD HH:mm, for example 2027-06-01 18:00.';
    return instant?.toISOString() ?? null;
  };
  const capacityText = (values.capacity ?? '').trim();
  const capacity = capacityText === '' ? null : Number(capacityText);
  if (capacity !== null && !Number.isInteger(capacity)) errors.capacity = 'The capacity must be a whole number.';
  const input: Record<string, unknown> = {
    name: values.name ?? '',
    description: values.description?.trim() ? values.description : null,
    startsAt: date('startsAt'),
    endsAt: date('endsAt'),
    timezone,
    venue: values.venue?.trim() ? values.venue : null,
    capacity,
    status: values.status ?? 'PUBLISHED',
  };
  if ('registrationOpensAt' in values) input.registrationOpensAt = date('registrationOpensAt', true);
  if ('registrationClosesAt' in values) input.registrationClosesAt = date('registrationClosesAt', true);
  return { input, errors };
}
