import { defineConfig } from 'prisma/config';

// The app applies migrations itself (src/db/migrate.ts); this file lets the Prisma CLI find the schema and
// the migrations folder wherever a developer has the native engine (e.g. `prisma migrate status`).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
