/**
 * A transform worker process: compiles one untrusted program at a time with esbuild (and Vue's compiler)
 * and sends the result back over IPC. The service starts it under an address-space limit that esbuild's own
 * process inherits, and kills the whole process group at its time limit, so a program that makes the
 * compiler blow up costs this process only. Kept free of runtime imports from the rest of the package
 * so Node can also run the .ts source directly (type stripping) under the test runner.
 */
import { build, transform, type Message, type Plugin } from 'esbuild';
import type {
  BuildMessage,
  Job,
  JobReply,
  ParentToWorker,
  PreviewBundleJob,
  TransformJob,
  VueSfcJob,
  WorkerToParent,
} from './protocol.js';

let current: number | undefined;

function send(message: WorkerToParent, then?: () => void): void {
  if (!process.send) return;
  process.send(message, undefined, {}, () => then?.());
}

/** The compiler failed rather than the program (esbuild's service died, an output too big to hold): exit. */
function broken(reason: string): void {
  const exit = (): never => process.exit(70);
  if (current === undefined) exit();
  else send({ type: 'broken', id: current, reason }, exit);
}

const toMessage = (m: Pick<Message, 'text' | 'location'>): BuildMessage => ({
  text: m.text,
  location: m.location ? { line: m.location.line, column: m.location.column } : null,
});

/** esbuild's failure for the program's own errors carries them; anything else is the compiler's failure. */
function programErrors(error: unknown): BuildMessage[] | undefined {
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 ? (errors as Message[]).map(toMessage) : undefined;
}

function tooLarge(text: string, maxOutputBytes: number): BuildMessage[] | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxOutputBytes) return undefined;
  const size = (n: number): string =>
    n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return [
    {
      text: `the compiled program is ${size(bytes)}, more than the arena keeps (${size(maxOutputBytes)})`,
      location: null,
      limit: true,
    },
  ];
}

async function runTransform(job: TransformJob, maxOutputBytes: number): Promise<JobReply<'transform'>> {
  const result = await transform(job.code, {
    loader: job.loader,
    ...(job.format ? { format: job.format } : {}),
    target: job.target,
    sourcefile: job.sourcefile,
    logLevel: 'silent',
    // A syntax check prints nothing anyone reads, so print it without whitespace (no indentation to grow).
    ...(job.checkOnly ? { minifyWhitespace: true } : {}),
  });
  if (job.checkOnly) return { ok: true, value: { code: '' } };
  const refused = tooLarge(result.code, maxOutputBytes);
  return refused ? { ok: false, errors: refused } : { ok: true, value: { code: result.code } };
}

/** Resolves the program's imports: the arena's vendor libraries by global, CSS to nothing, anything else refused. */
function importsPlugin(job: PreviewBundleJob, missing: Set<string>): Plugin {
  const provided = new Set(job.provided);
  return {
    name: 'arena-preview-imports',
    setup(b) {
      b.onResolve({ filter: /^arena:user$/ }, () => ({ path: 'user', namespace: 'arena-user' }));
      b.onLoad({ filter: /.*/, namespace: 'arena-user' }, () => ({
        contents: job.source,
        loader: job.loader,
        resolveDir: '/',
      }));
      b.onResolve({ filter: /\.(css|scss|sass|less)$/ }, (args) => ({ path: args.path, namespace: 'arena-empty' }));
      b.onLoad({ filter: /.*/, namespace: 'arena-empty' }, () => ({ contents: '', loader: 'js' }));
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (provided.has(args.path)) return { path: args.path, namespace: 'arena-vendor' };
        if (args.path.startsWith('.') || args.path.startsWith('/')) {
          missing.add(args.path);
          return { path: args.path, namespace: 'arena-empty' };
        }
        missing.add(args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!);
        return { path: args.path, namespace: 'arena-empty' };
      });
      b.onLoad({ filter: /.*/, namespace: 'arena-vendor' }, (args) => ({
        contents: `module.exports = window.${job.vendorGlobal}[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

async function runPreviewBundle(job: PreviewBundleJob, maxOutputBytes: number): Promise<JobReply<'preview-bundle'>> {
  const missing = new Set<string>();
  const result = await build({
    stdin: { contents: job.entry, loader: 'js', resolveDir: '/' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [importsPlugin(job, missing)],
  });
  const code = result.outputFiles[0]?.text ?? '';
  const refused = tooLarge(code, maxOutputBytes);
  return refused ? { ok: false, errors: refused } : { ok: true, value: { code, missing: [...missing] } };
}

async function runVueSfc(job: VueSfcJob, maxOutputBytes: number): Promise<JobReply<'vue-sfc'>> {
  const { parse, compileScript, compileTemplate, compileStyle } = await import('vue/compiler-sfc');
  const fail = (text: string): JobReply<'vue-sfc'> => ({ ok: false, errors: [{ text, location: null }] });
  const { descriptor, errors } = parse(job.source, { filename: 'App.vue' });
  if (errors.length) return { ok: false, errors: errors.map((e) => ({ text: String(e), location: null })) };
  const id = 'arena';
  let module: string;
  try {
    if (descriptor.script || descriptor.scriptSetup) {
      module = compileScript(descriptor, { id, inlineTemplate: true }).content;
    } else {
      const template = compileTemplate({ source: descriptor.template?.content ?? '', filename: 'App.vue', id });
      if (template.errors.length) return fail(template.errors.map(String).join('\n'));
      module = `${template.code}\nexport default { render };`;
    }
  } catch (error) {
    return fail((error as Error).message);
  }
  const styles = descriptor.styles
    .map((s) => compileStyle({ source: s.content, filename: 'App.vue', id }).code)
    .join('\n');
  const refused = tooLarge(module + styles, maxOutputBytes);
  return refused ? { ok: false, errors: refused } : { ok: true, value: { module, styles } };
}

function runJob(job: Job, maxOutputBytes: number): Promise<JobReply> {
  switch (job.op) {
    case 'transform':
      return runTransform(job, maxOutputBytes);
    case 'preview-bundle':
      return runPreviewBundle(job, maxOutputBytes);
    case 'vue-sfc':
      return runVueSfc(job, maxOutputBytes);
  }
}

process.on('uncaughtException', (error) => broken(String(error.stack ?? error)));
process.on('unhandledRejection', (error) => broken(String(error)));
// The service went away (it closed or died): nothing is left to answer.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ParentToWorker) => {
  if (message.type !== 'job') return;
  current = message.id;
  const { id } = message;
  runJob(message.job, message.maxOutputBytes).then(
    (reply) => {
      current = undefined;
      send({ type: 'done', id, ...reply });
    },
    (error: unknown) => {
      const errors = programErrors(error);
      if (!errors) return broken(String(error));
      current = undefined;
      send({ type: 'done', id, ok: false, errors });
    },
  );
});

// Start esbuild's service now, so the first program does not wait for it.
await transform('', { loader: 'js' });
send({ type: 'ready' });
