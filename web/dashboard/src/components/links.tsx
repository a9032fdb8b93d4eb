import { Anchor, type AnchorProps, Button, type ButtonProps, NavLink, type NavLinkProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import { forwardRef } from 'react';

/**
 * Mantine's anchor, button and nav link as router links: real `<a href>` elements (open in a new tab, keyboard,
 * screen readers), navigated by the router without a reload. TanStack Router's createLink recipe for Mantine.
 */
export const AnchorLink = createLink(
  forwardRef<HTMLAnchorElement, AnchorProps & Omit<React.ComponentPropsWithoutRef<'a'>, keyof AnchorProps>>((props, ref) => <Anchor ref={ref} {...props} />),
);

export const ButtonLink = createLink(
  forwardRef<HTMLAnchorElement, ButtonProps & Omit<React.ComponentPropsWithoutRef<'a'>, keyof ButtonProps>>((props, ref) => (
    <Button ref={ref} component="a" {...props} />
  )),
);

export const NavItem = createLink(
  forwardRef<HTMLAnchorElement, NavLinkProps & Omit<React.ComponentPropsWithoutRef<'a'>, keyof NavLinkProps>>((props, ref) => (
    <NavLink ref={ref} component="a" {...props} />
  )),
);
