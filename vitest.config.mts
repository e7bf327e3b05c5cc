import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // 2-core CI machines: rendering a site per test is fast, but give slow machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
