import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

const MAX_GZIPPED_BYTES = 50 * 1024;

/** Fails the build when the bundle outgrows its budget (it loads on every page of the host site). */
function sizeBudget(): Plugin {
  return {
    name: "rapport-size-budget",
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const size = gzipSync(file.code).length;
        if (size > MAX_GZIPPED_BYTES)
          this.error(`${file.fileName} is ${size} bytes gzipped, over ${MAX_GZIPPED_BYTES}`);
      }
    },
  };
}

// One self-contained IIFE, `dist/widget.js`, served by the server at `/widget.js`. It defines no global but
// `window.Rapport` (an IIFE without exports assigns nothing; ES2022 keeps class fields native, so no helper
// lands outside the IIFE).
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  plugins: [sizeBudget()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    copyPublicDir: false,
    rollupOptions: {
      input: "src/main.tsx",
      output: { format: "iife", entryFileNames: "widget.js", inlineDynamicImports: true },
    },
  },
});
