import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type DocumentNode, GraphQLError, getOperationAST, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Actor } from '../lib/actor.ts';
import { AppError } from '../lib/errors.ts';
import type { RateLimiter } from '../rest/rate-limit.ts';

/**
 * What one GraphQL request may ask for. graphql-armor (Escape's maintained envelop plugins) bounds the document
 * before it runs: aliases, depth, tokens, directives and a static cost; our own rules add an API key's request
 * budget shared with REST (every mutation field is one request), expensive fields at most once per document, and
 * no "Did you mean …?" hints for anonymous callers (they would map the schema for them).
 */
export const GRAPHQL_LIMITS = {
  aliases: 15,
  depth: 10,
  tokens: 2_000,
  directives: 20,
  cost: 5_000,
} as const;

/** Fields that cost much (a whole CSV in memory, an outbound POST, a stored upload): one per document. */
const SINGLE_USE_FIELDS = ['sendTestWebhook', 'importAttendees'] as const;

export function armor(): Plugin {
  return EnvelopArmorPlugin({
    maxAliases: { n: GRAPHQL_LIMITS.aliases },
    maxDepth: { n: GRAPHQL_LIMITS.depth, ignoreIntrospection: true },
    maxTokens: { n: GRAPHQL_LIMITS.tokens },
    maxDirectives: { n: GRAPHQL_LIMITS.directives },
    costLimit: { maxCost: GRAPHQL_LIMITS.cost, ignoreIntrospection: true },
    // Suggestions are hidden per caller below, not for everyone.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}

/** The caller as the transport found it (REST-style authentication done before GraphQL runs). */
interface WithActor {
  actor?: Actor;
}

export function useSingleUseFields(): Plugin {
  const rule = (context: ValidationContext) => {
    const seen = new Map<string, number>();
    return {
      Field(node: { name: { value: string } }) {
        const name = node.name.value;
        if (!(SINGLE_USE_FIELDS as readonly string[]).includes(name)) return;
        const count = (seen.get(name) ?? 0) + 1;
        seen.set(name, count);
        if (count === 2) context.reportError(new GraphQLError(`${name} may be asked for at most once per request.`));
      },
    };
  };
  return { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
}

/**
 * Strips "Did you mean …?" from a result's errors for anonymous callers. Applied to the final result, not in
 * validation: yoga caches validation by document, and one caller's result must not decide another's.
 */
export function withoutSuggestions(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map((e) =>
    e.message.includes('Did you mean')
      ? new GraphQLError(e.message.replace(/ ?Did you mean .*$/, ''), {
          nodes: e.nodes,
          source: e.source,
          positions: e.positions,
          path: e.path,
          extensions: e.extensions,
        })
      : e,
  );
}

export function useSuggestionsOnlyForAuthenticated(): Plugin<WithActor> {
  return {
    onExecutionResult: ({ result, setResult, context }) => {
      const actor = (context as WithActor).actor;
      if ((actor && actor.kind !== 'anonymous') || !result || Symbol.asyncIterator in result || !result.errors?.length) return;
      setResult({ ...result, errors: withoutSuggestions(result.errors as GraphQLError[]) });
    },
  };
}

/** Root fields of the operation (through fragments), which is how many requests a mutation counts for. */
export function rootFieldCount(document: DocumentNode, operationName?: string | null): { type: string; fields: number } {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { type: 'query', fields: 1 };
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const count = (set: SelectionSetNode, seen: Set<string>): number =>
    set.selections.reduce((total, selection) => {
      if (selection.kind === Kind.FIELD) return total + (selection.name.value === '__typename' ? 0 : 1);
      if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet, seen);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return total;
      return total + count(fragment, new Set([...seen, name]));
    }, 0);
  return { type: operation.operation, fields: count(operation.selectionSet, new Set()) };
}

/**
 * One request budget per API key across REST and GraphQL (API_RATE_LIMIT_PER_MIN): a GraphQL request takes one
 * point, a mutation one per root field (200 aliased registerAttendee would be 200 requests — and aliases are
 * capped anyway). Responses carry the same RateLimit-* headers as REST; over budget, the operation does not run
 * and answers RATE_LIMITED with extensions.retryAfterSeconds and Retry-After.
 */
export function useApiKeyBudget(limiter: RateLimiter): Plugin<WithActor & { request?: Request }> {
  const headers = new WeakMap<Request, Record<string, string>>();
  const take = async (context: WithActor & { request?: Request }, document: DocumentNode, operationName: string | null | undefined) => {
    const actor = context.actor;
    if (actor?.kind !== 'apiKey') return null;
    const { type, fields } = rootFieldCount(document, operationName);
    const points = type === 'mutation' ? Math.max(1, fields) : 1;
    const results = await Promise.all(Array.from({ length: points }, () => limiter.consume(actor.apiKeyId)));
    const last = results.at(-1)!;
    const rateHeaders: Record<string, string> = {
      'RateLimit-Limit': String(limiter.points),
      'RateLimit-Remaining': String(Math.min(...results.map((r) => r.remaining))),
      'RateLimit-Reset': String(Math.ceil(last.msBeforeNext / 1000)),
    };
    if (context.request) headers.set(context.request, rateHeaders);
    if (results.every((r) => r.allowed)) return null;
    const retryAfter = Math.max(1, Math.ceil(last.msBeforeNext / 1000));
    rateHeaders['Retry-After'] = String(retryAfter);
    return new AppError('RATE_LIMITED', `Too many requests: the limit is ${limiter.points} per minute for this API key. Retry in ${retryAfter} s.`, {
      retryAfter,
    });
  };
  const refuse = (error: AppError) => new GraphQLError(error.message, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: error.retryAfter } });
  return {
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const refused = await take(args.contextValue as WithActor, args.document, args.operationName);
      if (refused) setResultAndStopExecution({ errors: [refuse(refused)] });
    },
    onSubscribe: async ({ args, setResultAndStopExecution }) => {
      const refused = await take(args.contextValue as WithActor, args.document, args.operationName);
      if (refused) setResultAndStopExecution({ errors: [refuse(refused)] });
    },
    onResponse: ({ request, response }) => {
      for (const [name, value] of Object.entries(headers.get(request) ?? {})) response.headers.set(name, value);
    },
  };
}
