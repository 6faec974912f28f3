import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The libraries previews run on, bundled once from the locally installed packages (no CDN) and served by
 * the arena itself at `/api/sandbox/assets/<name>.js?v=<version>`: a preview page stays small (its own
 * code only) and the browser caches the library across previews.
 */
export const VENDOR_LIBRARIES = ['react', 'vue', 'mermaid'] as const;
export type VendorLibrary = (typeof VENDOR_LIBRARIES)[number];

/** The global each vendor bundle sets, read by the per-run bundles instead of importing the package. */
export const VENDOR_GLOBAL = '__arenaVendor';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const ENTRIES: Record<VendorLibrary, string> = {
  react: `import * as React from 'react'; import * as ReactDOM from 'react-dom'; import * as ReactDOMClient from 'react-dom/client'; import * as JSXRuntime from 'react/jsx-runtime';
window.${VENDOR_GLOBAL} = Object.assign(window.${VENDOR_GLOBAL} || {}, { 'react': React, 'react-dom': ReactDOM, 'react-dom/client': ReactDOMClient, 'react/jsx-runtime': JSXRuntime });`,
  vue: `import * as Vue from 'vue';
window.${VENDOR_GLOBAL} = Object.assign(window.${VENDOR_GLOBAL} || {}, { 'vue': Vue });`,
  mermaid: `import mermaid from 'mermaid';
window.${VENDOR_GLOBAL} = Object.assign(window.${VENDOR_GLOBAL} || {}, { 'mermaid': mermaid });`,
};

/** Bare imports a preview may use, and the vendor bundle that provides each. */
export const PROVIDED_IMPORTS: Record<string, VendorLibrary> = {
  react: 'react',
  'react-dom': 'react',
  'react-dom/client': 'react',
  'react/jsx-runtime': 'react',
  vue: 'vue',
  mermaid: 'mermaid',
};

export function vendorVersion(library: VendorLibrary): string {
  const pkg = require(`${library}/package.json`) as { version: string };
  return pkg.version;
}

export function vendorUrl(library: VendorLibrary): string {
  return `/api/sandbox/assets/${library}.js?v=${vendorVersion(library)}`;
}

const cache = new Map<VendorLibrary, Promise<string>>();

/** The minified bundle of one library (built on first use, then kept). */
export function vendorBundle(library: VendorLibrary): Promise<string> {
  let bundle = cache.get(library);
  if (!bundle) {
    bundle = build({
      stdin: { contents: ENTRIES[library], resolveDir: here, loader: 'js' },
      bundle: true,
      minify: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      legalComments: 'none',
      logLevel: 'silent',
      define: {
        'process.env.NODE_ENV': '"production"',
        __VUE_OPTIONS_API__: 'true',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
      // Vue's full build compiles string templates in the browser, as models often write them.
      alias: { vue: 'vue/dist/vue.esm-bundler.js' },
    }).then((result) => result.outputFiles[0]?.text ?? '');
    cache.set(library, bundle);
    bundle.catch(() => cache.delete(library));
  }
  return bundle;
}
