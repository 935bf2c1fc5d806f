// `npm run dist` leaves the checkout usable (issue 21): scripts/dist runs electron-builder, which rebuilds
// better-sqlite3 for Electron in node_modules, then puts the Node build back. Run here on a scratch project whose
// better-sqlite3 and electron-builder are stand-ins: the module loads only while its binary says it is built for
// Node, and the stand-in electron-builder overwrites that binary as the real one's rebuild does.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/folders.js';

const BINARY = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

/** Loads while the binary reads "node"; otherwise fails as a module built for another ABI does. */
const FAKE_MODULE = `const { readFileSync } = require('node:fs');
const abi = readFileSync(require('node:path').join(__dirname, 'build/Release/better_sqlite3.node'), 'utf8');
if (abi !== 'node') throw new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 140');
module.exports = class Database { close() {} };
`;

/** Rebuilds "for Electron", records its arguments, then does what FAKE_EB says: fail, wait, or lose the copy. */
const FAKE_BUILDER = `#!/bin/sh
echo "$*" > electron-builder.args
printf electron > ${BINARY}
case "$FAKE_EB" in
  fail) exit 2 ;;
  wait) touch electron-builder.started; sleep 30 ;;
  lose-saved) rm -rf "$TMPDIR"/* ;;
esac
exit 0
`;

/** npm as scripts/dist calls it (`npm rebuild better-sqlite3`): records the call, builds for Node. */
const FAKE_NPM = `#!/bin/sh
echo "$*" >> "$PROJECT/npm.calls"
printf node > "$PROJECT/${BINARY}"
`;

interface Project {
  dir: string;
  env: NodeJS.ProcessEnv;
  abi(): string;
}

function project(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-dist-'));
  cpSync(join(ROOT, 'scripts', 'dist'), join(dir, 'scripts', 'dist'));
  cpSync(join(ROOT, 'scripts', 'lib'), join(dir, 'scripts', 'lib'), { recursive: true });
  const module = join(dir, 'node_modules', 'better-sqlite3');
  mkdirSync(join(module, 'build', 'Release'), { recursive: true });
  writeFileSync(join(module, 'package.json'), '{"name": "better-sqlite3", "main": "index.js"}\n');
  writeFileSync(join(module, 'index.js'), FAKE_MODULE);
  writeFileSync(join(dir, BINARY), 'node');
  writeFileSync(join(module, 'build', 'config.gypi'), '{}\n');
  mkdirSync(join(dir, 'node_modules', '.bin'));
  writeFileSync(join(dir, 'node_modules', '.bin', 'electron-builder'), FAKE_BUILDER, { mode: 0o755 });
  const bin = mkdtempSync(join(tmpdir(), 'apsis-dist-bin-'));
  writeFileSync(join(bin, 'npm'), FAKE_NPM, { mode: 0o755 });
  const tmp = mkdtempSync(join(tmpdir(), 'apsis-dist-tmp-'));
  const env = {
    PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
    TMPDIR: tmp,
    PROJECT: dir,
  };
  return { dir, env, abi: () => readFileSync(join(dir, BINARY), 'utf8') };
}

function dist(p: Project, args: string[], fake = '') {
  return spawnSync(join(p.dir, 'scripts', 'dist'), args, {
    cwd: p.dir,
    env: { ...p.env, FAKE_EB: fake },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('scripts/dist', () => {
  it('runs electron-builder with its arguments and leaves better-sqlite3 built for Node', () => {
    const p = project();
    const r = dist(p, ['--linux', 'deb']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(p.dir, 'electron-builder.args'), 'utf8')).toBe('--linux deb\n');
    expect(p.abi()).toBe('node');
    expect(existsSync(join(p.dir, 'node_modules', 'better-sqlite3', 'build', 'config.gypi'))).toBe(true);
    expect(r.stdout).toContain('dist: better-sqlite3 is built for Node again');
    expect(existsSync(join(p.dir, 'npm.calls'))).toBe(false);
  });

  it('puts the Node build back when packaging fails, and exits with electron-builder’s status', () => {
    const p = project();
    const r = dist(p, [], 'fail');
    expect(r.status).toBe(2);
    expect(p.abi()).toBe('node');
  });

  it('rebuilds for Node when the saved build is gone', () => {
    const p = project();
    const r = dist(p, [], 'lose-saved');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('the saved Node build of better-sqlite3 is missing or does not load');
    expect(readFileSync(join(p.dir, 'npm.calls'), 'utf8')).toBe('rebuild better-sqlite3\n');
    expect(p.abi()).toBe('node');
  });

  it('refuses to package from a checkout whose better-sqlite3 does not load under Node', () => {
    const p = project();
    writeFileSync(join(p.dir, BINARY), 'electron');
    const r = dist(p, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dist: better-sqlite3 does not load under Node; run npm ci');
    expect(existsSync(join(p.dir, 'electron-builder.args'))).toBe(false);
  });

  it('refuses, saying why, under a Node older than electron-builder’s rebuild needs', () => {
    const p = project();
    const rebuild = join(p.dir, 'node_modules', '@electron', 'rebuild');
    mkdirSync(rebuild, { recursive: true });
    writeFileSync(join(rebuild, 'package.json'), '{"engines": {"node": ">=99.0.0"}}\n');
    const r = dist(p, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `dist: packaging needs Node >=99.0.0 (@electron/rebuild, which builds better-sqlite3 for Electron); this is Node ${process.versions.node}\n`,
    );
    expect(existsSync(join(p.dir, 'electron-builder.args'))).toBe(false);
    writeFileSync(join(rebuild, 'package.json'), `{"engines": {"node": ">=${process.versions.node}"}}\n`);
    expect(dist(p, []).status).toBe(0);
  });

  it('puts the Node build back when interrupted (Ctrl-C) while packaging', async () => {
    const p = project();
    const child = spawn(join(p.dir, 'scripts', 'dist'), [], {
      cwd: p.dir,
      env: { ...p.env, FAKE_EB: 'wait' },
      stdio: 'ignore',
      detached: true, // its own process group, which Ctrl-C signals as a whole
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = join(p.dir, 'electron-builder.started');
    for (let i = 0; i < 100 && !existsSync(started); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(started)).toBe(true);
    expect(p.abi()).toBe('electron');
    if (child.pid === undefined) throw new Error('no pid');
    process.kill(-child.pid, 'SIGINT');
    expect(await exited).toBe(130);
    expect(p.abi()).toBe('node');
  });
});

describe('native dependencies', () => {
  it('better-sqlite3 is the only production dependency with native code (the one scripts/dist restores)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
    const native = r.stdout
      .split('\n')
      .filter((dir) => dir.includes('node_modules') && existsSync(join(dir, 'binding.gyp')))
      .map((dir) => dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(native).toEqual(['better-sqlite3']);
    expect(Object.keys(pkg.dependencies)).toContain('better-sqlite3');
    expect(pkg.scripts['dist']).toBe('npm run build && scripts/dist');
  });
});
