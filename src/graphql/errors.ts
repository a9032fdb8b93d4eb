import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { isDatabaseBusyOrUnavailable, unavailableReason } from '../db/availability.ts';
import { AppError, type AppErrorCode, notFound, serviceUnavailable } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { GraphQLContext } from './context.ts';

/** CONTRACT §9: the closed set of extensions.code values clients switch on. */
export type GraphQLErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'RATE_LIMITED' | 'INTERNAL_SERVER_ERROR';

const CLOSED_CODES = new Set<string>(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

function graphQLCode(code: AppErrorCode): GraphQLErrorCode {
  switch (code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'BAD_USER_INPUT':
    case 'RATE_LIMITED':
      return code;
    case 'GONE':
    case 'INVALID_JSON':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'PAYLOAD_TOO_LARGE':
      return 'BAD_USER_INPUT';
    case 'SERVICE_UNAVAILABLE':
      return 'INTERNAL_SERVER_ERROR';
  }
}

/**
 * AppErrors become GraphQL errors with their code (and the field map for BAD_USER_INPUT); errors GraphQL
 * itself raised (syntax, validation, variables) keep their message with a closed code; anything else is
 * logged with the request id and replaced by a message naming only that id.
 */
export function maskGraphQLError(error: unknown, options: { logger: Logger; requestId: string }): GraphQLError {
  const graphQLError = error instanceof GraphQLError ? error : undefined;
  const cause = graphQLError?.originalError ?? error;
  const busy = !(cause instanceof AppError) && isDatabaseBusyOrUnavailable(cause);
  // As REST does: a warning naming why (a lock waited on too long is found in pg_locks), no stack; not a bug.
  if (busy) options.logger.warn({ requestId: options.requestId, path: graphQLError?.path, reason: unavailableReason(cause) }, 'answered 503');
  const available = busy ? serviceUnavailable() : cause;
  // "Not yours" is answered exactly as "not there": no probing another organisation's ids.
  const original = available instanceof AppError && available.foreign ? notFound(available.foreign) : available;
  if (original instanceof AppError) {
    return new GraphQLError(original.message, {
      nodes: graphQLError?.nodes,
      path: graphQLError?.path,
      extensions: {
        code: graphQLCode(original.code),
        ...(original.code === 'SERVICE_UNAVAILABLE' ? { reason: 'SERVICE_UNAVAILABLE' } : {}),
        ...(original.fieldErrors ? { errors: original.fieldErrors } : {}),
        ...(original.retryAfter !== undefined ? { retryAfterSeconds: original.retryAfter } : {}),
      },
    });
  }
  const raisedByGraphQL = graphQLError && (!graphQLError.originalError || graphQLError.originalError instanceof GraphQLError);
  if (graphQLError && raisedByGraphQL) return withClosedCode(graphQLError);
  const { requestId } = options;
  options.logger.error({ err: original, requestId, path: graphQLError?.path }, 'unexpected error in a GraphQL operation');
  return new GraphQLError(`Unexpected error. If it persists, contact support with request id ${requestId}.`, {
    nodes: graphQLError?.nodes,
    path: graphQLError?.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  });
}

/**
 * Syntax, validation and variable errors are the client's input too: they become BAD_USER_INPUT (CONTRACT §9's
 * closed set), keeping graphql-js's own code as `reason` for debugging.
 */
function withClosedCode(error: GraphQLError, phase?: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  const code = error.extensions.code ?? phase;
  if (typeof code === 'string' && CLOSED_CODES.has(code)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...(typeof code === 'string' ? { reason: code } : {}) },
  });
}

/**
 * Maps every error of an operation with maskGraphQLError, where the request id is at hand (the context):
 * execution results here, parse and validation errors (which never reach yoga's maskError) below.
 */
export function useAppErrors(logger: Logger): Plugin<GraphQLContext> {
  const maskResults = (payload: Parameters<typeof handleStreamOrSingleExecutionResult>[0], context: GraphQLContext) =>
    handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
      if (!result.errors?.length) return;
      setResult({ ...result, errors: result.errors.map((e) => maskGraphQLError(e, { logger, requestId: context.requestId })) });
    });
  return {
    onExecute: ({ args }) => ({ onExecuteDone: (payload) => maskResults(payload, args.contextValue as GraphQLContext) }),
    onSubscribe: ({ args }) => ({ onSubscribeResult: (payload) => maskResults(payload, args.contextValue as GraphQLContext) }),
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(withClosedCode(result, 'GRAPHQL_PARSE_FAILED'));
      },
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((e) => (e instanceof GraphQLError ? withClosedCode(e, 'GRAPHQL_VALIDATION_FAILED') : e)));
      },
  };
}
