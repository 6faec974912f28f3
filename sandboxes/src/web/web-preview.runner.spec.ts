import { describe, expect, it } from 'vitest';
import { TransformService } from '../transform/transform-service.js';
import type { RunRequest } from '../types.js';
import { vendorBundle } from './vendor.js';
import { WebPreviewRunner } from './web-preview.runner.js';

const runner = new WebPreviewRunner();
async function preview(environment: RunRequest['environment'], code: string) {
  let output = '';
  const result = await runner.run({ environment, code }, { onOutput: (c) => (output += c.data) });
  return { ...result, output, html: result.preview?.kind === 'html' ? result.preview.html : '' };
}

describe('web previews', () => {
  it('bundles a React component with hooks and mounts its default export; React comes from the arena', async () => {
    const r = await preview(
      'react',
      "import React, { useState } from 'react';\nimport './App.css';\nexport default function Counter() {\n  const [n, setN] = useState(0);\n  return <button onClick={() => setN(n + 1)}>clicked {n}</button>;\n}",
    );
    expect(r.status).toBe('ok');
    expect(r.runner).toBe('browser');
    expect(r.html).toContain('<div id="root"></div>');
    expect(r.html).toMatch(/<script src="\/api\/sandbox\/assets\/react\.js\?v=19\.[\d.]+"><\/script>/);
    expect(r.html).toContain('clicked');
    expect(r.html).toContain("connect-src 'none'");
    expect(r.output).toMatch(/React app ready/);
  });

  it('does not mount twice when the answer renders itself', async () => {
    const r = await preview(
      'react',
      "import { createRoot } from 'react-dom/client';\nfunction App() { return <p>hi</p>; }\ncreateRoot(document.getElementById('root')).render(<App />);",
    );
    expect(r.status).toBe('ok');
    expect(r.html).not.toContain('exports no React component');
  });

  it('names the packages it cannot provide offline', async () => {
    const r = await preview(
      'react',
      "import { motion } from 'framer-motion';\nimport { Sun } from 'lucide-react';\nexport default () => <motion.div><Sun /></motion.div>;",
    );
    expect(r.status).toBe('unsupported');
    expect(r.message).toMatch(/framer-motion, lucide-react/);
  });

  it('reports a syntax error as compile_error', async () => {
    const r = await preview('react', 'export default function App() { return <div>; }');
    expect(r.status).toBe('compile_error');
    expect(r.output).toMatch(/main\.jsx:1:\d+ - error/);
  });

  it('compiles a Vue single-file component on the host, styles included', async () => {
    const r = await preview(
      'vue',
      '<template>\n  <button class="b" @click="count++">count is {{ count }}</button>\n</template>\n<script setup>\nimport { ref } from "vue";\nconst count = ref(0);\n</script>\n<style>\n.b { color: red; }\n</style>',
    );
    expect(r.status, r.output).toBe('ok');
    expect(r.html).toContain('<div id="app"></div>');
    expect(r.html).toMatch(/<style>\s*\.b\s*\{\s*color: red;?\s*\}\s*<\/style>/);
    expect(r.html).toMatch(/assets\/vue\.js/);
  });

  it('gives an HTML page the console bridge and the content policy before its own scripts', async () => {
    const r = await preview(
      'html',
      '<html><head><title>x</title><script src="https://cdn.tailwindcss.com"></script></head><body><script>console.log("hi")</script></body></html>',
    );
    expect(r.status).toBe('ok');
    expect(r.html.indexOf('arenaPreview')).toBeLessThan(r.html.indexOf('console.log("hi")'));
    expect(r.output).toMatch(/cdn\.tailwindcss\.com.*offline/);
  });

  it('wraps SVG and Mermaid', async () => {
    const svg = await preview(
      'svg',
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="5"/></svg>',
    );
    expect(svg.html).toContain('<circle r="5"/>');
    const mermaid = await preview('mermaid', 'graph TD\n  A-->B<script>');
    expect(mermaid.html).toContain('A--&gt;B&lt;script&gt;');
    expect(mermaid.html).toMatch(/assets\/mermaid\.js/);
  });

  it('reports a Vue single-file component that does not compile as compile_error, naming App.vue', async () => {
    const r = await preview('vue', '<template><p>{{ n }}</p></template>\n<script setup>\nconst n = ;\n</script>');
    expect(r.status).toBe('compile_error');
    expect(r.output).toMatch(/^App\.vue - error: /);
  });

  it('ends a preview past the compile size cap with compile_error, naming both sizes', async () => {
    // Refused before any compiler starts, so this service never has a worker to close.
    const capped = new WebPreviewRunner({ transforms: new TransformService({ maxInputBytes: 1024 }) });
    let output = '';
    const code = `export default () => <p>${'x'.repeat(2048)}</p>;`;
    const r = await capped.run({ environment: 'react', code }, { onOutput: (c) => (output += c.data) });
    expect(r.status).toBe('compile_error');
    expect(output).toMatch(
      /^main\.jsx - error: the program is 2\.\d KB; the arena compiles programs of up to 1\.0 KB\n/,
    );
  });

  it('builds the vendor bundles from the installed packages', async () => {
    const react = await vendorBundle('react');
    expect(react.length).toBeGreaterThan(100_000);
    expect(react).toContain('__arenaVendor');
  });
});
