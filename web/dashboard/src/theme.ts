import { createTheme } from '@mantine/core';

/**
 * The system font stack (no web font fetched from anywhere) and a primary colour dark enough for white text
 * and for links on white (WCAG AA contrast): indigo's 8th shade.
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  defaultRadius: 'md',
  components: {
    Anchor: { defaultProps: { underline: 'always' } },
  },
});
