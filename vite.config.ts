import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { appHeaders } from './src/node/headers.ts';

// The dev server and `vite preview` (what `npm start` serves) send the app's headers from
// public/_headers: COOP + COEP (threaded wasm needs SharedArrayBuffer) and the CSP.
const headers = appHeaders();

export default defineConfig({
  plugins: [svelte()],
  worker: {
    // TF.js lives only in the engine worker; an ES-module worker lets it code-split its own imports.
    format: 'es',
    // The threaded wasm backend starts its pthreads from `factory.toString()` in a Blob, so that
    // function must survive bundling self-contained. The compressor drops its
    // `typeof _scriptDir !== "undefined"` guard (the variable lives in an enclosing closure) and the
    // pthreads die with "e is not defined"; renaming alone keeps the guard, so mangle, don't compress.
    // test/browser/app-shell.test.ts starts threaded wasm from the built bundle to keep this honest.
    rolldownOptions: { output: { minify: { compress: false, mangle: true, codegen: true } } },
  },
  build: { target: 'es2022' },
  server: { headers },
  preview: { headers },
});
