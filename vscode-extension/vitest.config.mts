import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real-Python probe tests start an interpreter that imports tree-sitter and libpg_query.
    testTimeout: 30_000,
  },
});
