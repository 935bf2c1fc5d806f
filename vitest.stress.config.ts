import { defineConfig } from 'vitest/config';

/** `npm run stress`: the long reliability scenarios of test/stress/ (issue 9); the suite runs short versions. */
export default defineConfig({
  test: {
    include: ['test/stress/**/*.stress.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
