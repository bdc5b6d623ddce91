import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database (a PGlite instance, or a PostgreSQL database cloned from a
    // migrated template), so files can run in parallel on the two cores.
    pool: 'forks',
  },
});
