import { Container, Stack, Text, Title } from '@mantine/core';
import { useTitle } from '../lib/title.ts';
import { AnchorLink } from './links.tsx';

export function NotFound() {
  useTitle('Not found');
  return (
    <Container size="sm" py="xl" component="main">
      <Stack>
        <Title order={1}>Page not found</Title>
        <Text>There is no dashboard page at this address.</Text>
        <AnchorLink to="/events">Go to your events</AnchorLink>
      </Stack>
    </Container>
  );
}
