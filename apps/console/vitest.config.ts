import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Component tests of the console: `npx vitest run --config apps/console/vitest.config.ts`.
export default defineConfig({
  plugins: [react()],
  test: {
    root: import.meta.dirname,
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
    env: { TZ: "UTC" },
    pool: "forks",
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
