import { Button, Card, Group, NativeSelect, Paper, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { useQuery } from '../../api/query.ts';
import { CopyValue } from '../../components/CopyValue.tsx';
import { EventFields, eventInputFrom } from '../../components/EventFields.tsx';
import { EventHeader } from '../../components/EventHeader.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import type { EventSettingsQuery as EventSettingsQueryData, UpdateEventInput } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { utcToZoned } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';
import { CustomFieldsSection } from './CustomFieldsSection.tsx';
import { TicketTypesSection } from './TicketTypesSection.tsx';

const EventSettingsQuery = graphql(`
  query EventSettings($eventId: ID!) {
    event(id: $eventId) {
      id
      uuid
      name
      description
      status
      startsAt
      endsAt
      timezone
      venue
      capacity
      registrationOpensAt
      registrationClosesAt
      publicForm
      apiConfirmationEmails
      confirmationEmails
      retentionDays
      ticketCodes
      ticketTypes {
        id
        name
        slug
        capacity
        isDefault
        position
        registeredCount
        waitlist
        offerHours
        requiresApproval
        hidden
        waitlistedCount
        pendingApprovalCount
      }
      customFields {
        id
        fieldKey
        fieldLabel
        fieldType
        required
        options
        position
        showIf {
          fieldKey
          values
        }
        ticketTypeIds
      }
    }
    ticketSigningKeys {
      id
      createdAt
      rotatedAt
      retiredAt
    }
    viewer {
      organisation {
        id
        retentionDays
      }
    }
  }
`);

const UpdateEventMutation = graphql(`
  mutation UpdateEventSettings($input: UpdateEventInput!) {
    updateEvent(input: $input) {
      id
      name
      description
      status
      startsAt
      endsAt
      timezone
      venue
      capacity
      registrationOpensAt
      registrationClosesAt
      publicForm
      apiConfirmationEmails
      confirmationEmails
      retentionDays
      ticketCodes
    }
  }
`);

const EVENT_FIELDS = [
  'name',
  'description',
  'startsAt',
  'endsAt',
  'timezone',
  'venue',
  'capacity',
  'status',
  'registrationOpensAt',
  'registrationClosesAt',
  'retentionDays',
  'ticketCodes',
];

/** Event Settings: the event's id for integrators, every setting, its ticket types and its registration questions. */
export function EventSettings() {
  const { eventId } = useParams({ strict: false }) as { eventId: string };
  const [{ data, error }, reload] = useQuery({ query: EventSettingsQuery, variables: { eventId } });
  useTitle(data?.event ? `Event Settings · ${data.event.name}` : 'Event Settings');
  if (error && !data?.event) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const event = data?.event;
  if (!event) return <Loading />;
  const refresh = () => reload({ requestPolicy: 'network-only' });
  return (
    <Stack maw={960}>
      <EventHeader event={event} title="Event Settings" />
      <Card withBorder component="section" aria-labelledby="event-id-title">
        <Title order={2} size="h4" id="event-id-title">
          Event ID
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          Integrators send it as <code>event_id</code> in REST calls (it is also in this page’s address).
        </Text>
        <Stack gap={6}>
          <CopyValue value={event.id} testId="event-id" />
          <Group gap="xs">
            <Text size="sm">As a plain UUID:</Text>
            <CopyValue value={event.uuid} testId="event-uuid" label="Copy UUID" />
          </Group>
        </Stack>
      </Card>
      <EventDetailsForm event={event} organisationRetentionDays={data.viewer?.organisation.retentionDays ?? null} signingKeys={data.ticketSigningKeys} />
      <TicketTypesSection eventId={event.id} ticketTypes={event.ticketTypes} onChange={refresh} />
      <CustomFieldsSection eventId={event.id} fields={event.customFields} ticketTypes={event.ticketTypes} onChange={refresh} />
    </Stack>
  );
}

type SettingsEvent = NonNullable<EventSettingsQueryData['event']>;

function EventDetailsForm(props: {
  event: SettingsEvent;
  organisationRetentionDays: number | null;
  signingKeys: ReadonlyArray<{ id: string; createdAt: string; rotatedAt?: string | null; retiredAt?: string | null }>;
}) {
  const { event } = props;
  const [timezone, setTimezone] = useState(event.timezone);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [state, update] = useMutation(UpdateEventMutation);
  const [saved, setSaved] = useState(false);
  const errors = { ...fieldErrors(state.error), ...localErrors };
  const general = formError(state.error, EVENT_FIELDS);
  const when = `YYYY-MM-DD HH:mm, ${timezone} time; empty: `;
  const activeKey = props.signingKeys.find((k) => !k.rotatedAt && !k.retiredAt);

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="details-title">
      <form
        noValidate
        onSubmit={async (submitted) => {
          setSaved(false);
          const values = formValues(submitted);
          const { input, errors: found } = eventInputFrom(values);
          const retention = (values.retentionDays ?? '').trim();
          const retentionDays = retention === '' ? null : Number(retention);
          if (retentionDays !== null && !Number.isInteger(retentionDays)) found.retentionDays = 'Retention is a whole number of days.';
          setLocalErrors(found);
          if (Object.keys(found).length > 0) return;
          const result = await update({
            input: {
              ...(input as Omit<UpdateEventInput, 'id'>),
              id: event.id,
              publicForm: values.publicForm === 'on',
              apiConfirmationEmails: values.apiConfirmationEmails === 'on',
              confirmationEmails: values.confirmationEmails === 'on',
              retentionDays,
              ticketCodes: values.ticketCodes as UpdateEventInput['ticketCodes'],
            },
          });
          if (result.data) setSaved(true);
        }}
      >
        <Stack>
          <Title order={2} size="h3" id="details-title">
            Details
          </Title>
          <FormAlert>{general}</FormAlert>
          <EventFields initial={event} timezone={timezone} onTimezoneChange={setTimezone} errors={errors} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Registration opens"
              name="registrationOpensAt"
              description={`${when}open now`}
              defaultValue={event.registrationOpensAt ? utcToZoned(event.registrationOpensAt, event.timezone) : ''}
              error={errors.registrationOpensAt}
              autoComplete="off"
            />
            <TextInput
              label="Registration closes"
              name="registrationClosesAt"
              description={`${when}when the event ends`}
              defaultValue={event.registrationClosesAt ? utcToZoned(event.registrationClosesAt, event.timezone) : ''}
              error={errors.registrationClosesAt}
              autoComplete="off"
            />
          </SimpleGrid>
          <Title order={3} size="h4" mt="sm">
            Registration and emails
          </Title>
          <Switch
            name="publicForm"
            defaultChecked={event.publicForm}
            label="Public form"
            description="The public registration endpoint (no API key) takes registrations for this event while it is published."
          />
          <Switch
            name="apiConfirmationEmails"
            defaultChecked={event.apiConfirmationEmails}
            label="Confirmation emails for API registrations"
            description="Attendees registered through the REST API get the confirmation email with their QR code."
          />
          <Switch
            name="confirmationEmails"
            defaultChecked={event.confirmationEmails}
            label="Confirmation emails for form registrations"
            description="Attendees registered through the public form get the confirmation email."
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Retention days"
              name="retentionDays"
              type="number"
              min={1}
              max={3650}
              defaultValue={event.retentionDays ?? ''}
              description={`Personal data is erased this many days after the event ends. Empty: the organisation’s setting (${
                props.organisationRetentionDays === null ? 'keep until erased' : `${props.organisationRetentionDays} days`
              }).`}
              error={errors.retentionDays}
            />
            <NativeSelect
              label="Ticket codes"
              name="ticketCodes"
              defaultValue={event.ticketCodes}
              data={[
                { value: 'RANDOM', label: 'Random (checked online)' },
                { value: 'SIGNED', label: 'Signed (door phones verify offline)' },
              ]}
              description={
                activeKey
                  ? `Signed codes use the organisation’s key ${activeKey.id}. Attendees registered before a change keep their codes.`
                  : 'Attendees registered before a change keep their codes.'
              }
              error={errors.ticketCodes}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            {saved ? (
              <Text size="sm" c="teal.9" role="status">
                Saved.
              </Text>
            ) : null}
            <Button type="submit" loading={state.fetching}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
