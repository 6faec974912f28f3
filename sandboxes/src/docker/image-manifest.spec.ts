import { describe, expect, it } from 'vitest';
import { parseImageManifest } from './image-manifest.js';

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
});
