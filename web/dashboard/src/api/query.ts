import { useRef } from 'react';
import { type AnyVariables, type UseQueryArgs, type UseQueryResponse, useQuery as useUrqlQuery } from 'urql';

/**
 * urql's useQuery, except that a re-read which fails keeps the data the screen already shows. urql replaces `data`
 * with the failed result's (none), so a refresh that meets a deploy, a network blip or a rate limit would swap a
 * whole screen for an error. Here the error is still reported beside the old data (`error && !data` shows the error
 * screen only when there was never anything to show); a new query or new variables start empty as before.
 */
export function useQuery<Data = unknown, Variables extends AnyVariables = AnyVariables>(
  args: UseQueryArgs<Variables, Data>,
): UseQueryResponse<Data, Variables> {
  const [state, reexecute] = useUrqlQuery<Data, Variables>(args);
  const last = useRef<{ key: number; data: Data } | null>(null);
  const key = state.operation?.key;
  if (state.data !== undefined && key !== undefined) last.current = { key, data: state.data };
  if (state.data !== undefined || !state.error || last.current === null || last.current.key !== key) return [state, reexecute];
  return [{ ...state, data: last.current.data }, reexecute];
}
