// Window settings, navigation and new-window blocking, permissions, external links and the app:// protocol
// (STYLE.md section 3; Electron's security checklist). Hostile inputs against fakes; Electron is never loaded.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { externalOpener, isAllowedExternalUrl } from '../../main/electron/external-links.js';
import { appProtocolHandler, fileForUrl } from '../../main/electron/protocol.js';
import { isAppUrl, secureContents, windowOptions } from '../../main/electron/window.js';
import { CSP } from '../../main/server/static.js';
import { FakeEvent, FakeLog, FakeShell, FakeWebContents } from '../fakes/electron.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Our window's webContents with the security rules on, an opener over a fake shell, and scripted confirmations. */
function secured(confirmAnswers: boolean[] = []) {
  const contents = new FakeWebContents();
  const shell = new FakeShell();
  const log = new FakeLog();
  const asked: string[] = [];
  const opener = externalOpener({
    shell: shell.externalShell,
    confirm: (url) => {
      asked.push(url);
      return Promise.resolve(confirmAnswers.shift() ?? false);
    },
    log,
  });
  secureContents(contents, opener, log);
  return { contents, shell, asked, log };
}

describe('window options', () => {
  it('include every security setting', () => {
    const o = windowOptions({ preload: '/p/index.cjs', icon: '/p/icon.png' }, false);
    expect(o.webPreferences).toMatchObject({
      preload: '/p/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      allowRunningInsecureContent: false,
      devTools: false,
    });
    expect(o.webPreferences.webSecurity).not.toBe(false);
    expect(JSON.stringify(o)).not.toMatch(/experimentalFeatures|enableBlinkFeatures|no-sandbox/);
    expect(windowOptions({ preload: '/p', icon: '/i' }, true).webPreferences.devTools).toBe(true);
  });
});

describe('navigation and new windows', () => {
  it('will-navigate and will-redirect allow only the app origin', () => {
    const { contents } = secured();
    expect(contents.navigate('will-navigate', 'app://app/index.html#/runs')).toBe(false);
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:5000/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'javascript:alert(1)',
      'data:text/html,<h1>x</h1>',
      'about:blank',
    ]) {
      expect(contents.navigate('will-navigate', url), url).toBe(true);
      expect(contents.navigate('will-redirect', url), url).toBe(true);
    }
  });

  it('a link navigating the window to http(s) is blocked and offered to the browser after confirmation', async () => {
    const { contents, shell, asked } = secured([true]);
    expect(contents.navigate('will-navigate', 'https://example.org/docs')).toBe(true);
    await settle();
    expect(asked).toEqual(['https://example.org/docs']);
    expect(shell.external).toEqual(['https://example.org/docs']);
  });

  it('window.open is always denied; http(s) goes to the opener only after confirmation', async () => {
    const { contents, shell, asked } = secured([false, true]);
    const open = (url: string) => contents.windowOpenHandler?.({ url });
    expect(open('https://example.org/a')).toEqual({ action: 'deny' });
    await settle();
    expect(asked).toEqual(['https://example.org/a']);
    expect(shell.external).toEqual([]); // declined
    expect(open('http://example.org/b')).toEqual({ action: 'deny' });
    await settle();
    expect(shell.external).toEqual(['http://example.org/b']);
  });

  it('file:, javascript:, custom schemes and credentials are never opened, nor even asked about', async () => {
    const { contents, shell, asked } = secured([true, true, true, true, true, true]);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(document.domain)',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      'https://user:pass@example.org/',
      'not a url',
    ]) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
      contents.navigate('will-navigate', url);
    }
    await settle();
    expect(asked).toEqual([]);
    expect(shell.external).toEqual([]);
  });

  it('isAllowedExternalUrl is an http(s) allow-list', () => {
    expect(isAllowedExternalUrl('https://example.org/x?y#z')).toBe(true);
    expect(isAllowedExternalUrl('http://example.org')).toBe(true);
    expect(isAllowedExternalUrl('HTTPS://EXAMPLE.ORG/')).toBe(true);
    for (const bad of [
      'file:///x',
      'javascript:1',
      'data:,x',
      'app://app/',
      '//example.org',
      'https://a:b@x.org/',
      '',
    ])
      expect(isAllowedExternalUrl(bad), bad).toBe(false);
  });

  it('<webview> is refused and permission requests are denied (clipboard writes only are allowed)', () => {
    const { contents } = secured();
    const e = new FakeEvent();
    contents.emit('will-attach-webview', e);
    expect(e.prevented).toBe(true);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'usb',
      'unknown',
    ])
      expect(contents.session.request(p), p).toBe(false);
    expect(contents.session.request('clipboard-sanitized-write')).toBe(true);
    expect(contents.session.checkHandler?.(null, 'media')).toBe(false);
    expect(contents.session.checkHandler?.(null, 'openExternal')).toBe(false);
  });

  it('isAppUrl accepts only app://app', () => {
    expect(isAppUrl('app://app/index.html')).toBe(true);
    for (const u of ['app://app:80/', 'app://x@app/', 'app://apps/', 'https://app/', 'app:/app'])
      expect(isAppUrl(u), u).toBe(false);
  });
});

describe('the app:// protocol', () => {
  const root = mkdtempSync(join(tmpdir(), 'apsis-renderer-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Apsis Console</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  const handler = appProtocolHandler(root);
  const get = (url: string, method = 'GET') => handler({ url, method });

  it('serves the console with the CSP header', async () => {
    const r = await get('app://app/index.html');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("object-src 'none'");
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('Apsis Console');
    const js = await get('app://app/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://app/')).status).toBe(200);
  });

  it('refuses path traversal, other hosts and writes; errors carry the CSP too', async () => {
    for (const url of [
      'app://app/../../etc/passwd',
      'app://app/..%2f..%2f..%2fetc%2fpasswd',
      'app://app/%2e%2e/%2e%2e/etc/passwd',
      'app://app/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      'app://app/index.html%00.js',
      'app://app/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'app://app/missing.js',
      'app://app/assets',
    ]) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(r.headers.get('content-security-policy'), url).toBe(CSP);
      expect(await r.text(), url).not.toMatch(/root:/);
    }
    expect((await get('app://app/index.html', 'POST')).status).toBe(405);
  });

  it('fileForUrl keeps every path inside the root', () => {
    expect(fileForUrl(root, 'app://app/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
    expect(fileForUrl(root, 'app://app/..%2f..%2fetc/passwd')).toBeNull();
    expect(fileForUrl(root, 'app://app/../etc/passwd')).toBe(join(root, 'etc', 'passwd')); // URL parsing resolved ..
  });
});
