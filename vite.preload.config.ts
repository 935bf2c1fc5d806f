import { defineConfig } from 'vite';

// The preload of the desktop window, bundled into one CommonJS file: a sandboxed preload can require only
// `electron` (STYLE.md section 3). Built by `npm run build` after tsc; loaded from dist/preload/index.cjs.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/preload',
    emptyOutDir: false,
    lib: { entry: 'preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
    target: 'es2022',
    minify: false,
    sourcemap: false,
  },
});
