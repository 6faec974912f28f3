import { describe, expect, it } from 'vitest';
import { checkInstall, parseInstallCommand } from './install.js';

describe('install blocks', () => {
  it('reads the package managers models use, without versions, extras, flags or their values', () => {
    expect(
      parseInstallCommand(
        '$ pip install -q "pandas>=1.5" numpy==1.24 scikit-learn[alldeps] -r requirements.txt --index-url https://x\n' +
          'npm i --save-dev @types/node lodash@4 && apt-get install -y jq\n' +
          'python3 -m pip install Pillow; cargo add serde@1 --features derive\\\n  rand\ngo get github.com/x/y@v1',
      ),
    ).toEqual([
      { manager: 'pip', packages: ['pandas', 'numpy', 'scikit-learn'] },
      { manager: 'npm', packages: ['@types/node', 'lodash'] },
      { manager: 'apt', packages: ['jq'] },
      { manager: 'pip', packages: ['pillow'] },
      { manager: 'cargo', packages: ['serde', 'rand'] },
      { manager: 'go', packages: ['github.com/x/y'] },
    ]);
  });

  it('ignores what is not an install (running, building, cd)', () => {
    expect(parseInstallCommand('cd app\npython main.py\nnpm run build\npip --version')).toEqual([]);
  });

  it('passes what the sandbox has and names exactly what it lacks', () => {
    const manifest = { pip: new Set(['numpy', 'pandas', 'scikit-learn', 'beautifulsoup4']) };
    expect(checkInstall('pip install numpy sklearn bs4', manifest, 'here').ok).toBe(true);
    const missing = checkInstall('pip install numpy torch\nnpm install express', manifest, 'this sandbox');
    expect(missing.ok).toBe(false);
    expect(missing.missing).toEqual([
      { manager: 'pip', name: 'torch' },
      { manager: 'npm', name: 'express' },
    ]);
    expect(missing.message).toMatch(/missing pip: torch; npm: express/);
    expect(checkInstall(undefined, manifest, 'x').ok).toBe(true);
  });
});
