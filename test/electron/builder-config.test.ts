// Packaging settings (electron-builder.yml) and the entry points it ships, checked statically: no Electron and no
// electron-builder needed.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface BuilderConfig {
  appId?: string;
  productName?: string;
  asar?: boolean;
  npmRebuild?: boolean;
  nativeRebuilder?: string;
  files?: string[];
  asarUnpack?: string[];
  directories?: { buildResources?: string };
  linux?: { target?: string[]; icon?: string };
  mac?: { target?: string[] };
  win?: { target?: string[] };
  electronFuses?: Record<string, boolean>;
}

const config = parse(read('electron-builder.yml')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('names the app and its icons in build/', () => {
    expect(config.appId).toBe('io.apsis.console');
    expect(config.productName).toBe('Apsis Console');
    expect(config.directories?.buildResources).toBe('build');
    for (const icon of ['build/icon.png', 'build/tray.png', 'build/tray@2x.png']) {
      expect(existsSync(new URL(icon, root)), icon).toBe(true);
      expect(readFileSync(new URL(icon, root)).subarray(1, 4).toString()).toBe('PNG');
    }
    const icon = readFileSync(new URL('build/icon.png', root));
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([1024, 1024]);
  });

  it('builds deb and AppImage on Linux, dmg on macOS, nsis on Windows', () => {
    expect(config.linux?.target).toEqual(['deb', 'AppImage']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
  });

  it('packs the app into asar and rebuilds better-sqlite3 for Electron at packaging only', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(true);
    expect(config.nativeRebuilder).toBe('sequential');
    expect(config.asarUnpack).toEqual(['**/node_modules/better-sqlite3/**/*.node']);
    const pkg = JSON.parse(read('package.json')) as {
      main: string;
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.dependencies['better-sqlite3']).toBeDefined();
    expect(pkg.scripts['postinstall']).toBeUndefined(); // never rebuilt for Electron on install (STYLE.md section 5)
    expect(pkg.scripts['dist']).toBe('npm run build && electron-builder');
  });

  it('sets the fuses: no runAsNode, NODE_OPTIONS or inspect; cookie encryption, asar integrity, asar only', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('ships the main entry, the bundled preload, the launcher shim and the console; not tests or maps', () => {
    const pkg = JSON.parse(read('package.json')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('dist/main/electron/app.js');
    expect(pkg.scripts['build']).toContain('vite build -c vite.preload.config.ts');
    expect(read('vite.preload.config.ts')).toContain("fileName: () => 'index.cjs'");
    expect(read('main/electron/app.ts')).toContain("join(ROOT, 'dist', 'preload', 'index.cjs')");
    expect(read('main/electron/app.ts')).toContain("join(HERE, 'launcher-utility.js')");
    expect(config.files).toEqual(
      expect.arrayContaining(['dist/**', 'renderer/dist/**', 'package.json', '!dist/test/**']),
    );
  });
});
