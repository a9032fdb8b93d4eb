import { Box, Container, Paper, Text } from '@mantine/core';
import { Outlet } from '@tanstack/react-router';

/** Log in, sign up and the pages the account emails link to: one centred card. */
export function PublicLayout() {
  return (
    <Box bg="gray.0" mih="100vh" py={48}>
      <Container size={440} component="main">
        <Text fw={800} fz={26} ta="center" mb="lg" c="indigo.9">
          EventoGate
        </Text>
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <Outlet />
        </Paper>
      </Container>
    </Box>
  );
}
