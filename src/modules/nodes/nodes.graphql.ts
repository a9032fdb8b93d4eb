import { builder } from '../../graphql/builder.ts';
import { kindOf, NodeRef } from '../../graphql/node.ts';
import { findNodes, MAX_NODE_IDS } from './nodes.service.ts';

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: 'Any object by its TypeID; null when it does not exist or is not the caller’s to see.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const [found] = await findNodes(ctx.deps, { actor: ctx.actor, ids: [String(args.id)], kindOf });
      if (found instanceof Error) throw found;
      return found ?? null;
    },
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `Several objects by TypeID (at most ${MAX_NODE_IDS}), in the order asked; null for each one not found or not the caller’s.`,
    args: { ids: t.arg.idList({ required: true }) },
    // An Error in the list is that item's error (null with an entry in `errors`), the others still resolve.
    resolve: (_root, args, ctx) => findNodes(ctx.deps, { actor: ctx.actor, ids: args.ids.map(String), kindOf }) as never,
  }),
}));
