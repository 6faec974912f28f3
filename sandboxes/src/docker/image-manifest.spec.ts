import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkInstall } from '../install.js';
import { parseImageManifest, parseRequirementNames } from './image-manifest.js';

/** The pinned list the sandbox image is built from (build.sh copies it into the image). */
const REQUIREMENTS = readFileSync(
  fileURLToPath(new URL('../../images/python-requirements.txt', import.meta.url)),
  'utf8',
);

describe('the image manifest', () => {
  it('reads pip names normalised and apt names as listed, with nothing for the other managers', () => {
    const manifest = parseImageManifest('numpy\nScikit_Learn\n  PyYAML \n\n---\nbash\nlibc6\n');
    expect([...(manifest.pip ?? [])]).toEqual(['numpy', 'scikit-learn', 'pyyaml']);
    expect([...(manifest.apt ?? [])]).toEqual(['bash', 'libc6']);
    expect(manifest.npm?.size).toBe(0);
    expect(manifest.cargo?.size).toBe(0);
    expect(manifest.go?.size).toBe(0);
  });

  it('an empty listing is an empty manifest', () => {
    const manifest = parseImageManifest('');
    expect(manifest.pip?.size).toBe(0);
    expect(manifest.apt?.size).toBe(0);
  });

  it('counts every name the requirements file pins, skipping hashes, comments and options', () => {
    expect(
      parseRequirementNames(
        '# header\n--index-url https://x\nFlask_Login==0.6.3 \\\n    --hash=sha256:ab \\\n    # via -r in\n' +
          'uvicorn[standard]==0.30.0 ; python_version >= "3.8"\nzipp==4.1.2\n',
      ),
    ).toEqual(['flask-login', 'uvicorn', 'zipp']);
  });

  it('takes the requirements section of the listing as present, next to what Python lists', () => {
    const manifest = parseImageManifest('numpy\n---\nbash\n---\nstreamlit==1.0 \\\n  --hash=sha256:00\n');
    expect([...(manifest.pip ?? [])].sort()).toEqual(['numpy', 'streamlit']);
  });

  it("the image's real requirements file passes `pip install streamlit gradio pygame` and refuses what it lacks", () => {
    const manifest = parseImageManifest(`---\nbash\n---\n${REQUIREMENTS}`);
    for (const name of [
      'streamlit',
      'gradio',
      'pygame',
      'flask',
      'fastapi',
      'uvicorn',
      'plotly',
      'seaborn',
      'networkx',
    ])
      expect(manifest.pip?.has(name), name).toBe(true);
    const apps = checkInstall('pip install streamlit gradio pygame\npip install sklearn bs4 PIL cv2', manifest, 'x');
    expect(apps).toMatchObject({ ok: true, missing: [] });
    const torch = checkInstall('pip install streamlit torch', manifest, 'the sandbox image');
    expect(torch.ok).toBe(false);
    expect(torch.missing).toEqual([{ manager: 'pip', name: 'torch' }]);
  });
});
