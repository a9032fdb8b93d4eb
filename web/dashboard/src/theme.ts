import { type CSSVariablesResolver, createTheme, DEFAULT_THEME } from '@mantine/core';

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
    // Mantine's close buttons carry only an icon: give them a name screen readers announce.
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

/**
 * Mantine's secondary text ("dimmed", input descriptions) and the text of light badges and alerts are too pale on
 * white for WCAG AA (4.5:1; gray.6 is 3.3:1): one shade darker everywhere (gray.7, and each colour's 9th shade),
 * and a hover background light enough for that text.
 */
export const accessibleColors: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-placeholder': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(Object.keys(DEFAULT_THEME.colors).map((color) => [`--mantine-color-${color}-light-color`, `var(--mantine-color-${color}-9)`])),
    // Under the pointer (a light or subtle button, the current page's nav link just clicked) Mantine's hover shade
    // left that text at 4.1:1 (indigo.9 on indigo.2's mix); each colour's 1st shade keeps it above 4.5:1.
    ...Object.fromEntries(Object.keys(DEFAULT_THEME.colors).map((color) => [`--mantine-color-${color}-light-hover`, `var(--mantine-color-${color}-1)`])),
    '--mantine-primary-color-light-hover': 'var(--mantine-color-indigo-1)',
  },
  dark: {},
});
