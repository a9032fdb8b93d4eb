import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { graphqlOk } from '../support/http.ts';

/**
 * Runs a codegen'd screen document over HTTP like a dashboard would; the result is typed by the document, so a
 * screen that stops matching the schema fails `npm run typecheck` before it fails here.
 */
export async function runScreen<Result, Variables extends Record<string, unknown>>(
  baseUrl: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  token: string,
): Promise<Result> {
  return await graphqlOk<Result>(baseUrl, print(document), { variables, token });
}
