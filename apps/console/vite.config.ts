import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The server serves `dist/` at `/` with an SPA fallback to index.html.
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // Long-lived vendor chunks so an app change does not bust the whole cache.
        manualChunks: (id) => {
          if (!id.includes("/node_modules/")) return undefined;
          if (id.includes("/@mantine/")) return "mantine";
          if (/\/node_modules\/(react|react-dom|scheduler)\//.test(id)) return "react";
          return "vendor";
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://localhost:3000",
      "/socket.io": { target: "http://localhost:3000", ws: true },
    },
  },
});
