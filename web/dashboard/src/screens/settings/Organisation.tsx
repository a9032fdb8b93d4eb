import { Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { fieldErrors, formError } from '../../api/errors.ts';
import { CopyValue } from '../../components/CopyValue.tsx';
import { FormAlert } from '../../components/FormAlert.tsx';
import { Loading } from '../../components/Loading';
import { QueryError } from '../../components/QueryError.tsx';
import { graphql } from '../../gql/index.ts';
import { formValues } from '../../lib/forms.ts';
import { useTitle } from '../../lib/title.ts';

const OrganisationQuery = graphql(`
  query OrganisationSettings {
    viewer {
      role
      organisation {
        id
        name
        retentionDays
        createdAt
      }
    }
  }
`);

const UpdateOrganisation = graphql(`
  mutation UpdateOrganisation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) {
      id
      name
      retentionDays
    }
  }
`);

/** Settings → Organisation: its name and how long attendees' personal data is kept after an event. */
export function Organisation() {
  useTitle('Organisation');
  const [{ data, error }, reload] = useQuery({ query: OrganisationQuery });
  const [state, update] = useMutation(UpdateOrganisation);
  const [saved, setSaved] = useState(false);
  const [retentionError, setRetentionError] = useState<string>();
  if (error && !data) return <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />;
  const organisation = data?.viewer?.organisation;
  if (!organisation) return <Loading />;
  const errors: Record<string, string> = { ...fieldErrors(state.error), ...(retentionError ? { retentionDays: retentionError } : {}) };
  const general = formError(state.error, ['name', 'retentionDays']);
  return (
    <Stack maw={720}>
      <Title order={1}>Organisation</Title>
      <Group gap="xs">
        <Text size="sm">Organisation ID:</Text>
        <CopyValue value={organisation.id} label="Copy organisation ID" />
      </Group>
      <Paper withBorder p="lg">
        <form
          noValidate
          onSubmit={async (event) => {
            setSaved(false);
            const values = formValues(event);
            const text = (values.retentionDays ?? '').trim();
            const retentionDays = text === '' ? null : Number(text);
            if (retentionDays !== null && !Number.isInteger(retentionDays)) return setRetentionError('Retention is a whole number of days.');
            setRetentionError(undefined);
            const result = await update({ input: { name: values.name, retentionDays } });
            if (result.data) setSaved(true);
          }}
        >
          <Stack>
            <FormAlert>{general}</FormAlert>
            <TextInput label="Organisation name" name="name" required maxLength={100} defaultValue={organisation.name} error={errors.name} />
            <TextInput
              label="Retention days"
              name="retentionDays"
              type="number"
              min={1}
              max={3650}
              defaultValue={organisation.retentionDays ?? ''}
              description="Attendees’ personal data is erased this many days after their event ends (each event may set its own). Empty: kept until erased by hand."
              error={errors.retentionDays}
            />
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
    </Stack>
  );
}
