/**
 * A model's install block (`pip install numpy pandas`, `npm i lodash`, `apt-get install -y jq`) checked
 * against what a sandbox already has. Sandboxes are offline, so nothing is installed: what is present
 * succeeds, anything else ends the run with a message naming what is missing.
 */

export type PackageManager = 'pip' | 'npm' | 'apt' | 'cargo' | 'go';

export interface InstallRequest {
  manager: PackageManager;
  /** The names asked for, without version specifiers or extras. */
  packages: string[];
}

/** What a sandbox carries, per package manager (names as that manager spells them). */
export type PackageManifest = Partial<Record<PackageManager, ReadonlySet<string>>>;

export interface InstallCheck {
  ok: boolean;
  requested: InstallRequest[];
  missing: { manager: PackageManager; name: string }[];
  message?: string;
}

const COMMANDS: { pattern: RegExp; manager: PackageManager }[] = [
  { pattern: /^(?:python3?\s+-m\s+)?pip3?\s+install$/, manager: 'pip' },
  { pattern: /^uv\s+pip\s+install$/, manager: 'pip' },
  {
    pattern: /^(?:npm\s+(?:install|i|add)|yarn\s+add|pnpm\s+(?:add|install|i)|bun\s+(?:add|install|i))$/,
    manager: 'npm',
  },
  { pattern: /^(?:sudo\s+)?apt(?:-get)?\s+install$/, manager: 'apt' },
  { pattern: /^cargo\s+(?:add|install)$/, manager: 'cargo' },
  { pattern: /^go\s+(?:get|install)$/, manager: 'go' },
];

/** Flags that take the next word as their value (so it is not read as a package). */
const FLAGS_WITH_VALUE = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '-t',
  '--target',
  '--prefix',
  '--root',
  '--python',
  '--registry',
  '--features',
  '--version',
  '--git',
  '--branch',
  '--tag',
  '--rev',
  '--path',
  '-e',
  '--editable',
]);

/** PEP 503 name normalisation; the import names people mistake for distribution names map to them. */
export function normalisePipName(name: string): string {
  const normal = name.toLowerCase().replace(/[-_.]+/g, '-');
  return PIP_ALIASES[normal] ?? normal;
}
const PIP_ALIASES: Record<string, string> = {
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  bs4: 'beautifulsoup4',
  pil: 'pillow',
  yaml: 'pyyaml',
  dateutil: 'python-dateutil',
  docx: 'python-docx',
  pptx: 'python-pptx',
  jwt: 'pyjwt',
  'python-chess': 'chess',
  // The image carries OpenCV's headless build (the same cv2 module, without GUI libraries).
  cv2: 'opencv-python-headless',
  'opencv-python': 'opencv-python-headless',
};

function splitWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

function packageName(manager: PackageManager, word: string): string | undefined {
  if (!word || word.startsWith('-') || word === '.' || /^(?:https?:|git\+|file:|\.{0,2}\/)/.test(word))
    return undefined;
  switch (manager) {
    case 'pip':
      return normalisePipName(word.replace(/\[.*?\]/, '').split(/[<>=!~;@\s]/)[0] ?? '');
    case 'npm':
      // `@scope/name@1.2` keeps its scope; a bare `name@1.2` loses the version.
      return word.startsWith('@') ? `@${word.slice(1).split('@')[0]}` : word.split('@')[0];
    case 'apt':
      return word.split(/[=:]/)[0];
    case 'go':
      return word.split('@')[0];
    case 'cargo':
      return word.split('@')[0];
  }
}

/** The install requests in a shell snippet; lines, `&&`, `;` and `\` continuations are understood. */
export function parseInstallCommand(command: string): InstallRequest[] {
  const requests: InstallRequest[] = [];
  const statements = command
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n|&&|\|\||;/)
    .map((line) => line.replace(/^\s*[$!%]\s*/, '').trim())
    .filter(Boolean);
  for (const statement of statements) {
    const words = splitWords(statement);
    for (let cut = Math.min(4, words.length); cut >= 2; cut--) {
      const head = words.slice(0, cut).join(' ');
      const command = COMMANDS.find((c) => c.pattern.test(head));
      if (!command) continue;
      const packages: string[] = [];
      const rest = words.slice(cut);
      for (let i = 0; i < rest.length; i++) {
        const word = rest[i] ?? '';
        if (FLAGS_WITH_VALUE.has(word)) {
          i++;
          continue;
        }
        const name = packageName(command.manager, word);
        if (name) packages.push(name);
      }
      if (packages.length > 0) requests.push({ manager: command.manager, packages });
      break;
    }
  }
  return requests;
}

/** Checks an install block against a manifest; `where` names the sandbox in the message. */
export function checkInstall(command: string | undefined, manifest: PackageManifest, where: string): InstallCheck {
  const requested = command ? parseInstallCommand(command) : [];
  const missing: InstallCheck['missing'] = [];
  for (const request of requested) {
    const have = manifest[request.manager];
    for (const name of request.packages) {
      const key = request.manager === 'pip' ? normalisePipName(name) : name;
      if (!have?.has(key)) missing.push({ manager: request.manager, name });
    }
  }
  if (missing.length === 0) return { ok: true, requested, missing };
  const byManager = new Map<PackageManager, string[]>();
  for (const item of missing) byManager.set(item.manager, [...(byManager.get(item.manager) ?? []), item.name]);
  const parts = [...byManager].map(([manager, names]) => `${manager}: ${names.join(', ')}`);
  const message =
    `the install step asks for packages that ${where} does not have, and sandboxes cannot download anything ` +
    `(missing ${parts.join('; ')})`;
  return { ok: false, requested, missing, message };
}
