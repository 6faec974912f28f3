import type { Environment, RunStatus } from '@arena/contracts';
import { describeBuildError } from '../build-errors.js';
import { runEnding } from '../result.js';
import { sharedTransformService, type TransformService } from '../transform/transform-service.js';
import type { RunOptions, RunRequest, RunResult, Runner } from '../types.js';
import { PROVIDED_IMPORTS, VENDOR_GLOBAL, vendorUrl, type VendorLibrary } from './vendor.js';

const WEB_ENVIRONMENTS: ReadonlySet<Environment> = new Set(['html', 'react', 'vue', 'svg', 'mermaid']);

/**
 * Forwards the page's console and uncaught errors to the page that shows the preview (which sends them
 * back into the run's output), and what the person does in it (clicks, keys, scrolls, resizes, errors; batched
 * every 250 ms, which the creator's browser reports as `preview:interaction`). Runs first, before any of the
 * program's code.
 */
const BRIDGE = `(function(){var post=function(level,args){try{parent.postMessage({arenaPreview:true,level:level,text:Array.prototype.map.call(args,function(a){if(typeof a==='string')return a;if(a instanceof Error)return a.stack||String(a);try{return JSON.stringify(a)}catch(e){return String(a)}}).join(' ')},'*')}catch(e){}};['log','info','warn','error','debug'].forEach(function(l){var o=console[l];console[l]=function(){post(l,arguments);if(o)o.apply(console,arguments)}});addEventListener('error',function(e){post('uncaught',[e.error&&e.error.stack||e.message])});addEventListener('unhandledrejection',function(e){post('uncaught',['Unhandled promise rejection: '+(e.reason&&e.reason.stack||e.reason)])});var t0=Date.now(),q=[],tm=0,last=0;var send=function(){tm=0;if(q.length){try{parent.postMessage({arenaInteraction:true,events:q.splice(0,200)},'*')}catch(e){q=[]}}};var rec=function(ev){ev.t=Math.min(86400000,Date.now()-t0);if(q.length<400)q.push(ev);if(!tm)tm=setTimeout(send,250)};addEventListener('load',function(){rec({type:'load'})});addEventListener('click',function(e){rec({type:'click',x:Math.round(e.clientX),y:Math.round(e.clientY)})},true);addEventListener('keydown',function(e){rec({type:'keydown',key:String(e.key).slice(0,32)})},true);addEventListener('scroll',function(){var n=Date.now();if(n-last<250)return;last=n;rec({type:'scroll',x:Math.round(scrollX),y:Math.round(scrollY)})},true);addEventListener('resize',function(){rec({type:'resize',x:innerWidth,y:innerHeight})});addEventListener('error',function(e){rec({type:'error',detail:String(e.message).slice(0,500)})});})();`;

/**
 * What a preview may do: run its own scripts and the arena's vendor bundles, draw, style. It may not open
 * connections (fetch, XHR, WebSocket: nothing of the arena's API is reachable), submit forms or frame pages.
 * The iframe adds `sandbox="allow-scripts"` (an opaque origin, never `allow-same-origin`).
 */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' http: https:; style-src 'unsafe-inline' http: https:; " +
  "img-src data: blob: http: https:; font-src data: http: https:; media-src data: blob:; connect-src 'none'; " +
  "frame-src 'none'; form-action 'none'; base-uri 'none'";

function page(options: { head?: string; body: string; vendors?: VendorLibrary[]; title: string }): string {
  const vendors = (options.vendors ?? []).map((v) => `<script src="${vendorUrl(v)}"></script>`).join('');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${options.title}</title>` +
    `<script>${BRIDGE}</script>${vendors}${options.head ?? ''}</head><body>${options.body}</body></html>`
  );
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Inline script text must not close its own tag. */
const inlineScript = (code: string): string => code.replace(/<\/(script)/gi, '<\\/$1');

class PreviewError extends Error {
  constructor(
    readonly status: RunStatus,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The program bundled with its entry in a contained compiler (vendor imports read the page's global, CSS
 * becomes nothing); imports the arena does not provide end the run `unsupported`, naming them.
 */
async function bundle(
  transforms: TransformService,
  entry: string,
  source: string,
  loader: 'tsx' | 'jsx' | 'ts' | 'js',
): Promise<string> {
  const reply = await transforms.run({
    op: 'preview-bundle',
    entry,
    source,
    loader,
    provided: Object.keys(PROVIDED_IMPORTS),
    vendorGlobal: VENDOR_GLOBAL,
  });
  if (!reply.ok) throw new PreviewError('compile_error', describeBuildError(reply, `main.${loader}`));
  const { code, missing } = reply.value;
  if (missing.length > 0)
    throw new PreviewError(
      'unsupported',
      `the preview imports what the arena does not provide offline: ${missing.join(', ')} ` +
        `(available: ${Object.keys(PROVIDED_IMPORTS).join(', ')})`,
    );
  return code;
}

const MOUNTS_ITSELF_REACT = /\bcreateRoot\s*\(|\bReactDOM\s*\.\s*render\s*\(|\bhydrateRoot\s*\(/;
const MOUNTS_ITSELF_VUE = /\.mount\s*\(/;

async function reactPreview(transforms: TransformService, code: string, typescript: boolean): Promise<string> {
  const entry = MOUNTS_ITSELF_REACT.test(code)
    ? `import 'arena:user';`
    : `import * as User from 'arena:user';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
const Component = User.default || User.App || Object.values(User).find((v) => typeof v === 'function');
if (Component) createRoot(document.getElementById('root')).render(createElement(Component));
else console.error('The answer exports no React component to render.');`;
  const script = await bundle(transforms, entry, code, typescript ? 'tsx' : 'jsx');
  return page({
    title: 'React preview',
    vendors: ['react'],
    body: `<div id="root"></div><script>${inlineScript(script)}</script>`,
  });
}

async function vuePreview(transforms: TransformService, code: string): Promise<string> {
  let module = code;
  let styles = '';
  if (/<template[\s>]/.test(code)) {
    // A single-file component: compiled on the host with Vue's own compiler, contained like esbuild.
    const reply = await transforms.run({ op: 'vue-sfc', source: code });
    if (!reply.ok) throw new PreviewError('compile_error', describeBuildError(reply, 'App.vue'));
    ({ module, styles } = reply.value);
  }
  const entry = MOUNTS_ITSELF_VUE.test(module)
    ? `import 'arena:user';`
    : `import Component from 'arena:user';
import { createApp } from 'vue';
if (Component) createApp(Component).mount('#app');
else console.error('The answer exports no Vue component to mount.');`;
  const script = await bundle(transforms, entry, module, /lang=["']ts["']/.test(code) ? 'ts' : 'js');
  return page({
    title: 'Vue preview',
    vendors: ['vue'],
    head: styles ? `<style>${styles}</style>` : '',
    body: `<div id="app"></div><script>${inlineScript(script)}</script>`,
  });
}

function htmlPreview(code: string): string {
  const bridge = `<meta http-equiv="Content-Security-Policy" content="${CSP}"><script>${BRIDGE}</script>`;
  if (/<head[\s>]/i.test(code)) return code.replace(/<head([^>]*)>/i, (m) => `${m}${bridge}`);
  if (/<html[\s>]/i.test(code)) return code.replace(/<html([^>]*)>/i, (m) => `${m}<head>${bridge}</head>`);
  return page({ title: 'HTML preview', body: code });
}

export interface WebPreviewRunnerOptions {
  /** The contained compilers; default the process-wide one (`configureTransforms`). */
  transforms?: TransformService;
}

/**
 * HTML, React, Vue, SVG and Mermaid answers become a preview page, bundled on the host with esbuild (in a
 * contained worker process) against the arena's vendor bundles; the browser renders it in a sandboxed
 * iframe (`allow-scripts`, never `allow-same-origin`), and its console comes back into the run's output.
 */
export class WebPreviewRunner implements Runner {
  readonly kind = 'browser' as const;
  readonly isolation = 'browser-iframe' as const;

  constructor(private readonly options: WebPreviewRunnerOptions = {}) {}

  /** Looked up per run, so a service configured after this runner was made is the one used. */
  private get transforms(): TransformService {
    return this.options.transforms ?? sharedTransformService();
  }

  supports(environment: Environment): boolean {
    return WEB_ENVIRONMENTS.has(environment);
  }

  async run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    const { finish, refuseMissing } = runEnding(this.kind, options);
    const { environment, code } = request;
    const refused = refuseMissing(
      request.installCommand,
      { npm: new Set(Object.keys(PROVIDED_IMPORTS).filter((name) => !name.includes('/'))) },
      'the preview (React, React DOM, Vue and Mermaid only)',
    );
    if (refused) return refused;
    try {
      let html: string;
      let what: string;
      switch (environment) {
        case 'html':
          html = htmlPreview(code);
          what = 'HTML page';
          break;
        case 'svg':
          html = page({
            title: 'SVG preview',
            head: '<style>body{margin:0;display:grid;place-items:center;min-height:100vh}</style>',
            body: code,
          });
          what = 'SVG image';
          break;
        case 'mermaid':
          html = page({
            title: 'Mermaid preview',
            vendors: ['mermaid'],
            body:
              `<pre class="mermaid">${escapeHtml(code)}</pre><script>var m=window.${VENDOR_GLOBAL}.mermaid;` +
              `m.initialize({startOnLoad:false,securityLevel:'strict'});m.run().catch(function(e){console.error(String(e&&e.message||e))});</script>`,
          });
          what = 'Mermaid diagram';
          break;
        case 'react':
          html = await reactPreview(
            this.transforms,
            code,
            /:\s*(string|number|boolean|React\.\w+)\b|interface\s+\w+|<\w+>\(/.test(code),
          );
          what = 'React app';
          break;
        case 'vue':
          html = await vuePreview(this.transforms, code);
          what = 'Vue app';
          break;
        case 'javascript':
        case 'typescript':
        case 'python':
        case 'streamlit':
        case 'gradio':
        case 'pygame':
        case 'c':
        case 'cpp':
        case 'java':
        case 'go':
        case 'rust':
        case 'bash':
        case 'none':
          return finish({ status: 'unsupported', message: `no preview for ${environment}` });
      }
      const external = [...code.matchAll(/<(?:script|link)[^>]+(?:src|href)=["'](https?:\/\/[^"']+)/gi)].map(
        (m) => m[1],
      );
      if (external.length)
        options.onOutput?.({
          stream: 'stderr',
          data: `[preview] the page loads ${external.join(', ')}; sandboxes are offline, so ${external.length === 1 ? 'it does' : 'they do'} not load\n`,
        });
      options.onOutput?.({
        stream: 'stdout',
        data: `[preview] ${what} ready (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB); it runs in your browser and its console appears here\n`,
      });
      return finish({ status: 'ok', preview: { kind: 'html', html } });
    } catch (error) {
      const failure = error instanceof PreviewError ? error : new PreviewError('internal_error', String(error));
      options.onOutput?.({ stream: 'stderr', data: `${failure.message}\n` });
      return finish({
        status: failure.status,
        ...(failure.status === 'compile_error' ? { exitCode: 1 } : { message: failure.message }),
      });
    }
  }

  async close(): Promise<void> {}
}
