import { Button, Group, Paper, Stack, Title } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useMutation } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { browserTimeZone, EventFields, eventInputFrom } from '../../components/EventFields.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { AnchorLink } from '../../components/links.tsx';
import type { CreateEventInput } from '../../gql/graphql.ts';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const CreateEventMutation = graphql(`
  mutation CreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      id
    }
  }
`);

const FIELDS = ['name', 'description', 'startsAt', 'endsAt', 'timezone', 'venue', 'capacity', 'status'];

export function NewEvent() {
  useTitle('New event');
  const navigate = useNavigate();
  const [timezone, setTimezone] = useState(browserTimeZone);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [state, create] = useMutation(CreateEventMutation);
  const errors = { ...fieldErrors(state.error), ...localErrors };
  const general = formError(state.error, FIELDS);
  return (
    <Stack maw={760}>
      <AnchorLink to="/events" size="sm">
        ← Events
      </AnchorLink>
      <Title order={1}>New event</Title>
      <Paper withBorder p="lg">
        <form
          noValidate
          onSubmit={async (event) => {
            const { input, errors: found } = eventInputFrom(formValues(event));
            setLocalErrors(found);
            if (Object.keys(found).length > 0) return;
            const result = await create({ input: input as unknown as CreateEventInput });
            const id = result.data?.createEvent.id;
            if (id) void navigate({ to: '/events/$eventId/settings', params: { eventId: id } });
          }}
        >
          <Stack>
            <FormAlert>{general}</FormAlert>
            <EventFields timezone={timezone} onTimezoneChange={setTimezone} errors={errors} />
            <Group justify="flex-end">
              <Button type="submit" loading={state.fetching}>
                Create event
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
