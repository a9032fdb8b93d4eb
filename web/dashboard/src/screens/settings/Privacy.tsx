import { Alert, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation } from 'urql';
import { errorMessage, fieldErrors } from '../../api/errors.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { graphql } from '../../gql/index.ts';
import { downloadText } from '../../lib/download.ts';
import { formValues } from '../../lib/forms.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useTitle } from '../../lib/title.ts';

const ExportPersonalData = graphql(`
  mutation ExportPersonalData($input: PersonalDataInput!) {
    exportPersonalData(input: $input)
  }
`);

const ErasePersonalData = graphql(`
  mutation ErasePersonalData($input: PersonalDataInput!) {
    erasePersonalData(input: $input) {
      attendeesErased
    }
  }
`);

/** The parts of exportPersonalData's document this screen shows (the download is the whole document). */
interface PersonalData {
  email: string;
  generatedAt: string;
  attendees: Array<{
    id: string;
    event: { id: string; name: string; startsAt: string };
    firstName: string;
    lastName: string;
    status: string;
    testMode: boolean;
    registeredAt: string;
    erasedAt: string | null;
    scans: unknown[];
  }>;
  emails?: unknown[];
  webhookDeliveries?: unknown[];
}

/**
 * Settings → Privacy: a data-subject request by email, across every event of the organisation. Finding a person
 * shows every record held on them, so it is an export (and audited as one); "Export personal data" saves that
 * document as JSON; "Erase personal data" says how many registrations it will erase before it does.
 */
export function Privacy() {
  useTitle('Privacy');
  const [exported, exportData] = useMutation(ExportPersonalData);
  const [erased, erase] = useMutation(ErasePersonalData);
  const [found, setFound] = useState<{ email: string; document: PersonalData; raw: unknown }>();
  const [erasedCount, setErasedCount] = useState<number>();

  const find = async (email: string) => {
    setErasedCount(undefined);
    const result = await exportData({ input: { email } }, { requestPolicy: 'network-only' });
    if (result.data) setFound({ email, document: result.data.exportPersonalData as PersonalData, raw: result.data.exportPersonalData });
  };
  const errors = fieldErrors(exported.error);
  const live = found?.document.attendees.filter((a) => !a.erasedAt) ?? [];
  return (
    <Stack maw={980}>
      <Title order={1}>Privacy</Title>
      <Text size="sm">
        Someone asked what you hold on them, or to be forgotten: find them by the email they registered with. Every event of this organisation is searched, live
        and test, in any letter case. Finding someone shows all their data, so it is written to the audit log as an export.
      </Text>
      <Paper withBorder p="lg">
        <form
          onSubmit={async (event) => {
            const values = formValues(event);
            await find((values.email ?? '').trim());
          }}
        >
          <Group align="end">
            <TextInput label="Email" name="email" type="email" required w={360} error={errors.email} />
            <Button type="submit" loading={exported.fetching}>
              Find
            </Button>
          </Group>
        </form>
      </Paper>
      {exported.error && !errors.email ? (
        <Alert color="red" role="alert">
          {errorMessage(exported.error)}
        </Alert>
      ) : null}
      {found ? (
        <Stack data-testid="person">
          <Title order={2} size="h3">
            {found.email}
          </Title>
          <Text size="sm" role="status">
            {found.document.attendees.length === 0
              ? 'No registration with this email in any event.'
              : `${found.document.attendees.length} registration${found.document.attendees.length === 1 ? '' : 's'}`}
            {found.document.attendees.length > 0
              ? `, ${found.document.emails?.length ?? 0} email${found.document.emails?.length === 1 ? '' : 's'} sent, ${found.document.webhookDeliveries?.length ?? 0} webhook deliver${found.document.webhookDeliveries?.length === 1 ? 'y' : 'ies'} about them.`
              : ''}
          </Text>
          {found.document.attendees.length > 0 ? (
            <Table.ScrollContainer minWidth={720}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Event</Table.Th>
                    <Table.Th scope="col">Name</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Registered</Table.Th>
                    <Table.Th scope="col">Scans</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {found.document.attendees.map((a) => (
                    <Table.Tr key={a.id}>
                      <Table.Td>{a.event.name}</Table.Td>
                      <Table.Td>
                        <AnchorLink to="/events/$eventId/attendees/$attendeeId" params={{ eventId: a.event.id, attendeeId: a.id }}>
                          {a.erasedAt ? 'Erased' : `${a.firstName} ${a.lastName}`}
                        </AnchorLink>
                        {a.testMode ? ' (test)' : ''}
                      </Table.Td>
                      <Table.Td>{a.erasedAt ? `erased ${formatDateTime(a.erasedAt)}` : <StatusBadge status={a.status} />}</Table.Td>
                      <Table.Td>{formatDateTime(a.registeredAt)}</Table.Td>
                      <Table.Td>{a.scans.length}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : null}
          <Group>
            {found.raw ? (
              <Button
                variant="default"
                onClick={() => downloadText(JSON.stringify(found.raw, null, 2), `personal-data-${found.email}.json`, 'application/json')}
              >
                Export personal data
              </Button>
            ) : null}
            {live.length > 0 ? (
              <ConfirmButton
                color="red"
                title={`Erase everything held on ${found.email}?`}
                message={`${live.length} registration${live.length === 1 ? '' : 's'} will be erased: names, email, phone, country, answers and tickets, and every copy in webhook and email logs. Counts, statuses and check-in times stay. This cannot be undone.`}
                confirmLabel="Erase personal data"
                loading={erased.fetching}
                onConfirm={async () => {
                  const result = await erase({ input: { email: found.email } });
                  if (result.data) {
                    setErasedCount(result.data.erasePersonalData.attendeesErased);
                    // Searching again would find nothing (the email is gone too): mark what was shown as erased.
                    const now = new Date().toISOString();
                    const attendees = found.document.attendees.map((a) => ({ ...a, erasedAt: a.erasedAt ?? now }));
                    // The export held before erasing is not kept for download: it is exactly what was just erased.
                    setFound({ email: found.email, raw: undefined, document: { ...found.document, attendees } });
                  }
                }}
              >
                Erase personal data
              </ConfirmButton>
            ) : null}
          </Group>
          {erased.error ? (
            <Alert color="red" role="alert">
              {errorMessage(erased.error)}
            </Alert>
          ) : null}
          {erasedCount !== undefined ? (
            <Alert color="teal" role="status" title="Erased">
              {erasedCount} registration{erasedCount === 1 ? '' : 's'} erased everywhere.
            </Alert>
          ) : null}
        </Stack>
      ) : null}
    </Stack>
  );
}
