import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider as GraphQLProvider } from 'urql';
import { client } from './api/client.ts';
import { router } from './router.tsx';
import { accessibleColors, theme } from './theme.ts';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={accessibleColors}>
      <GraphQLProvider value={client}>
        <RouterProvider router={router} />
      </GraphQLProvider>
    </MantineProvider>
  </StrictMode>,
);
