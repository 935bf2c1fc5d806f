// Packaging settings (electron-builder.yml, package.json) and the entry points they ship. No Electron binary and no
// network: the static checks read the files; the package checks run electron-builder's own code on them (its deb
// target up to the point where it would call fpm; its AppImage target's desktop entry; the package.json it ships).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arch, build, Platform } from 'electron-builder';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface BuilderConfig {
  appId?: string;
  productName?: string;
  deb?: { afterInstall?: string };
  appImage?: { executableArgs?: string[] };
  asar?: boolean;
  npmRebuild?: boolean;
  nativeRebuilder?: string;
  files?: string[];
  asarUnpack?: string[];
  directories?: { buildResources?: string };
  linux?: { target?: string[]; icon?: string; syncDesktopName?: boolean };
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
    expect(pkg.scripts['dist']).toBe('npm run build && scripts/dist');
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

interface PackageJson {
  name: string;
  productName?: string;
  desktopName?: string;
  homepage?: string;
  author?: { name?: string; email?: string } | string;
}

/** What electron-builder's deb target computed for this checkout, captured where it would call fpm. */
interface DebAsBuilt {
  /** fpm's arguments. */
  args: string[];
  desktopEntry: Record<string, string>;
  /** The post-install script as electron-builder rendered it. */
  afterInstall: string;
}

const projectDir = fileURLToPath(root);

/** Runs electron-builder's deb target on the checkout's configuration, with a stand-in for the packed app. */
async function buildDeb(): Promise<DebAsBuilt> {
  const prepackaged = mkdtempSync(join(tmpdir(), 'apsis-unpacked-'));
  mkdirSync(join(prepackaged, 'resources'));
  let captured: DebAsBuilt | null = null;
  await build({
    projectDir,
    targets: Platform.LINUX.createTarget(['deb'], Arch.x64),
    prepackaged,
    publish: 'never',
    config: { directories: { output: mkdtempSync(join(tmpdir(), 'apsis-out-')) } },
    // electron-builder's hook for looking at a target's options: returning true stops before fpm runs.
    effectiveOptionComputed: ([args, desktopFile]: [string[], string]) => {
      const script = args[args.indexOf('--after-install') + 1] ?? '';
      const entry: Record<string, string> = {};
      for (const line of readFileSync(desktopFile, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) entry[line.slice(0, eq)] = line.slice(eq + 1);
      }
      captured = { args, desktopEntry: entry, afterInstall: readFileSync(script, 'utf8') };
      return Promise.resolve(true);
    },
  });
  if (captured === null) throw new Error('electron-builder did not reach the deb target');
  return captured;
}

/** The package.json electron-builder puts into app.asar (createTransformer is what its packer calls). */
async function shippedPackageJson(): Promise<PackageJson> {
  const require = createRequire(import.meta.url);
  const { createTransformer } = require('app-builder-lib/out/fileTransformer.js') as {
    createTransformer: (
      srcDir: string,
      configuration: object,
      extraMetadata: object | null,
      extraTransformer: null,
    ) => (file: string) => Promise<string | null> | null;
  };
  const file = join(projectDir, 'package.json');
  const text = await createTransformer(projectDir, config, null, null)(file);
  return JSON.parse(text ?? readFileSync(file, 'utf8')) as PackageJson;
}

/**
 * What Electron makes of an app's package.json (lib/browser/init.ts and native_window_views.cc, Electron 42 and
 * later): app.name is productName (else name); userData is <appData>/<app.name>; the desktop name is desktopName
 * (else `<app.name>.desktop`), and without its `.desktop` it is the window's X11 class and Wayland app_id.
 */
function electronIdentity(pkg: PackageJson, appData: string) {
  const name = (pkg.productName ?? pkg.name).trim();
  const desktopName = pkg.desktopName ?? `${name}.desktop`;
  return { name, userData: join(appData, name), windowClass: desktopName.replace(/\.desktop$/, '') };
}

describe('the deb as electron-builder builds it', () => {
  let deb: DebAsBuilt;
  beforeAll(async () => {
    deb = await buildDeb(); // throws "Please specify project homepage" / "author 'email'" without them
  });
  const pkg = JSON.parse(read('package.json')) as PackageJson;
  const arg = (name: string): string | undefined => deb.args[deb.args.indexOf(name) + 1];

  it('has the maintainer and homepage of package.json', () => {
    const author = pkg.author;
    if (typeof author !== 'object')
      throw new Error('package.json author must be an object with name and email');
    expect(author.email).toMatch(/^[^\s@<>]+@[^\s@<>]+\.[a-z]+$/);
    expect(pkg.homepage).toMatch(/^https:\/\/[^\s]+$/);
    expect(arg('--maintainer')).toBe(`${author.name} <${author.email}>`);
    expect(arg('--url')).toBe(pkg.homepage);
    expect(arg('--name')).toBe('apsis-console');
    expect(deb.args.filter((a) => a.endsWith('=/opt/Apsis Console'))).toHaveLength(1);
  });

  it('installs a desktop entry whose StartupWMClass is the window class Electron gives the app', async () => {
    const shipped = await shippedPackageJson();
    const electron = electronIdentity(shipped, '/home/ops/.config');
    expect(electron.name).toBe('Apsis Console');
    expect(electron.userData).toBe('/home/ops/.config/Apsis Console');
    expect(read('docs/desktop.md')).toContain('`~/.config/Apsis Console`');
    expect(deb.desktopEntry['Name']).toBe('Apsis Console');
    expect(deb.desktopEntry['Exec']).toBe('"/opt/Apsis Console/apsis-console" %U');
    expect(deb.desktopEntry['StartupWMClass']).toBe(electron.windowClass);
    // Wayland compositors match app_id to the entry's file name: the same name again.
    const installedAs = deb.args.find((a) => a.includes('=/usr/share/applications/'));
    expect(installedAs?.split('=/usr/share/applications/')[1]).toBe(`${electron.windowClass}.desktop`);
    expect(deb.desktopEntry['Icon']).toBe('apsis-console');
  });

  it('has a post-install that makes chrome-sandbox setuid root, registers the command and is valid bash', () => {
    expect(config.deb?.afterInstall).toBe('build/linux/after-install.tpl');
    expect(deb.afterInstall).toContain('APP_DIR="$DPKG_ROOT"\'/opt/Apsis Console\'');
    const script = join(mkdtempSync(join(tmpdir(), 'apsis-postinst-')), 'postinst');
    writeFileSync(script, deb.afterInstall, { mode: 0o755 });
    expect(spawnSync('bash', ['-n', script], { stdio: 'ignore' }).status).toBe(0);

    // Run it into a scratch root (dpkg's DPKG_ROOT), with the system tools it calls replaced by recorders.
    const fakeRoot = mkdtempSync(join(tmpdir(), 'apsis-dpkg-root-'));
    const appDir = join(fakeRoot, 'opt', 'Apsis Console');
    mkdirSync(join(appDir, 'resources'), { recursive: true });
    mkdirSync(join(fakeRoot, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(appDir, 'chrome-sandbox'), '');
    chmodSync(join(appDir, 'chrome-sandbox'), 0o755);
    const tools = mkdtempSync(join(tmpdir(), 'apsis-tools-'));
    const calls = join(tools, 'calls');
    for (const tool of ['update-alternatives', 'update-desktop-database', 'update-mime-database'])
      writeFileSync(join(tools, tool), `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n`, { mode: 0o755 });
    writeFileSync(join(tools, 'apparmor_status'), '#!/bin/sh\nexit 1\n', { mode: 0o755 }); // no AppArmor here
    const r = spawnSync(script, [], {
      env: { PATH: `${tools}:/usr/bin:/bin`, DPKG_ROOT: fakeRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    expect(r.status).toBe(0); // a post-install that fails would leave the package half-configured
    if (process.getuid?.() === 0) {
      // dpkg runs it as root: the helper is root's and setuid.
      expect(r.stderr).toBe('');
      expect(statSync(join(appDir, 'chrome-sandbox')).mode & 0o7777).toBe(0o4755);
      expect(statSync(join(appDir, 'chrome-sandbox')).uid).toBe(0);
    } else {
      // Not root (a test run by a user): it says what it could not do, and goes on.
      expect(r.stderr).toMatch(/could not make .*chrome-sandbox setuid root/);
    }
    expect(readFileSync(calls, 'utf8')).toContain(
      'update-alternatives --install /usr/bin/apsis-console apsis-console /opt/Apsis Console/apsis-console 100',
    );
  });
});

describe('the AppImage', () => {
  it('has a desktop entry that starts it with the sandbox (no --no-sandbox)', async () => {
    const require = createRequire(import.meta.url);
    const { default: AppImageTarget } = require('app-builder-lib/out/targets/appimage/AppImageTarget.js') as {
      default: new (
        ignored: null,
        packager: object,
        helper: object,
        outDir: string,
      ) => { desktopEntry: { value: Promise<string> } };
    };
    // electron-builder's own target class computes the Exec line; the helper hands it back instead of a file.
    const packager = {
      config,
      platformSpecificBuildOptions: config.linux ?? {},
      appInfo: { buildVersion: '0.1.0' },
    };
    const helper = { computeDesktopEntry: (_options: object, exec: string) => Promise.resolve(exec) };
    const exec = await new AppImageTarget(null, packager, helper, '/tmp').desktopEntry.value;
    expect(config.appImage?.executableArgs).toEqual([]);
    expect(exec).toBe('AppRun %U');
  });
});
