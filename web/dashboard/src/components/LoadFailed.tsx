import { Anchor, Text } from '@mantine/core';
import { Component, type ReactNode } from 'react';

/**
 * Around a part whose code loads on demand (a chart): when that code cannot be fetched — the server restarting for
 * a deploy, the network gone — the part says so and offers a reload (which fetches the deployed assets), and the
 * rest of the screen stays. Without it, React hands the failed import to the router, whose error page replaces
 * everything.
 */
export class LoadFailed extends Component<{ what: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <Text size="sm" c="dimmed" role="status">
        {this.props.what} could not be loaded.{' '}
        <Anchor component="button" type="button" size="sm" onClick={() => window.location.reload()}>
          Reload the page
        </Anchor>
      </Text>
    );
  }
}
