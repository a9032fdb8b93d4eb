import { Alert, AppShell, Box, Burger, Button, Center, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Outlet, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { useMutation } from 'urql';
import { restartLive } from '../api/client.ts';
import { errorCode, errorMessage } from '../api/errors.ts';
import { useQuery } from '../api/query.ts';
import { graphql } from '../gql/index.ts';
import { can, ViewerProvider } from '../session.tsx';
import { Loading } from './Loading.tsx';
import { NavItem } from './links.tsx';
import { QueryError } from './QueryError.tsx';

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      user {
        id
        name
        email
        emailVerifiedAt
      }
      organisation {
        id
        name
      }
      organisations {
        role
        current
        organisation {
          id
          name
        }
      }
    }
  }
`);

const LogOutMutation = graphql(`
  mutation LogOut {
    logOut
  }
`);

const SwitchOrganisationMutation = graphql(`
  mutation SwitchOrganisation($input: SwitchOrganisationInput!) {
    switchOrganisation(input: $input) {
      organisation {
        id
      }
    }
  }
`);

const ResendVerificationMutation = graphql(`
  mutation ResendVerification {
    resendVerificationEmail
  }
`);

/**
 * Everything behind log-in: who you are (one query, kept for the session), the navigation landmark, the
 * organisation switcher and log-out. Without a session it sends you to log in and back here afterwards.
 */
export function Shell() {
  const [{ data, fetching, error }, reload] = useQuery({ query: ViewerQuery });
  const [opened, { toggle, close }] = useDisclosure();
  const navigate = useNavigate();
  const sentToLogIn = useRef(false);
  const [, logOut] = useMutation(LogOutMutation);
  const [switching, switchOrganisation] = useMutation(SwitchOrganisationMutation);
  const [resent, resend] = useMutation(ResendVerificationMutation);
  const [leaving, setLeaving] = useState(false);

  const viewer = data?.viewer;
  const code = errorCode(error);
  const needsLogIn = !fetching && (code === 'UNAUTHENTICATED' || (!error && !viewer?.user));
  useEffect(() => {
    // Once: the page we were on is where logging in brings us back.
    if (!needsLogIn || sentToLogIn.current) return;
    sentToLogIn.current = true;
    void navigate({ to: '/login', search: { redirect: window.location.pathname + window.location.search }, replace: true });
  }, [needsLogIn, navigate]);

  if (error && !needsLogIn && !viewer) {
    return (
      <Center h="100vh" component="main">
        <QueryError error={error} retry={() => reload({ requestPolicy: 'network-only' })} />
      </Center>
    );
  }
  if (!viewer?.user) {
    return (
      <Center h="100vh">
        <Loading />
      </Center>
    );
  }
  const manage = can(viewer.role, 'manage');

  const leave = async (run: () => Promise<unknown>, to: string) => {
    setLeaving(true);
    await run();
    restartLive();
    // A full load: no cached data of the previous session or organisation survives.
    window.location.assign(to);
  };

  return (
    <ViewerProvider value={viewer}>
      <AppShell header={{ height: 60 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
              <Text fw={800} fz="lg" c="indigo.9">
                EventoGate
              </Text>
              {viewer.organisations.length > 1 ? (
                <NativeSelect
                  aria-label="Organisation"
                  size="xs"
                  disabled={switching.fetching || leaving}
                  value={viewer.organisation.id}
                  data={viewer.organisations.map((m) => ({ value: m.organisation.id, label: `${m.organisation.name} (${m.role.toLowerCase()})` }))}
                  onChange={(e) => {
                    const organisationId = e.currentTarget.value;
                    void leave(() => switchOrganisation({ input: { organisationId } }), '/dashboard/events');
                  }}
                />
              ) : (
                <Text size="sm" c="dimmed" visibleFrom="xs">
                  {viewer.organisation.name}
                </Text>
              )}
            </Group>
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" visibleFrom="md">
                {viewer.user.name}
              </Text>
              <Button variant="default" size="xs" loading={leaving} onClick={() => void leave(() => logOut({}), '/dashboard/login')}>
                Log out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="sm">
          <Box component="nav" aria-label="Main" onClick={close}>
            <NavItem to="/events" label="Events" activeOptions={{ exact: false }} />
            {manage ? (
              <>
                <NavItem to="/settings" label="Settings" activeOptions={{ exact: true }} />
                <Stack gap={0} pl="md">
                  <NavItem to="/settings/api-keys" label="API Keys" />
                  <NavItem to="/settings/webhooks" label="Webhooks" activeOptions={{ exact: false }} />
                  <NavItem to="/settings/members" label="Members" />
                  <NavItem to="/settings/organisation" label="Organisation" />
                  <NavItem to="/settings/privacy" label="Privacy" />
                  <NavItem to="/settings/audit-log" label="Audit log" />
                </Stack>
              </>
            ) : null}
            <NavItem to="/account" label="Account" />
          </Box>
        </AppShell.Navbar>
        <AppShell.Main>
          <Box>
            {switching.error ? (
              <Alert color="red" mb="md" role="alert" title="Could not switch organisation">
                {errorMessage(switching.error)}
              </Alert>
            ) : null}
            {viewer.user.emailVerifiedAt ? null : (
              <Alert color="blue" mb="md" title="Confirm your email address">
                <Group gap="sm">
                  <Text size="sm">We sent a link to {viewer.user.email}. Until you open it, invitations and password resets to it can claim this account.</Text>
                  <Button
                    size="xs"
                    variant="white"
                    loading={resent.fetching}
                    disabled={resent.data?.resendVerificationEmail === true}
                    onClick={() => void resend({})}
                  >
                    {resent.data?.resendVerificationEmail ? 'Sent' : 'Send the link again'}
                  </Button>
                </Group>
              </Alert>
            )}
            <Outlet />
          </Box>
        </AppShell.Main>
      </AppShell>
    </ViewerProvider>
  );
}
