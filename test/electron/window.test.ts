// The console window on screen: shown only once painted (no blank flash), back from the tray or a second start, and
// dialogs attached to it only while it is visible; the sandbox is never off in a package.
import { describe, expect, it, vi } from 'vitest';
import { ConsoleWindow, dialogParent, sandboxOff, windowOptions } from '../../main/electron/window.js';
import { FakeWindow } from '../fakes/electron.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

function windows() {
  const created: FakeWindow[] = [];
  const consoleWindow = new ConsoleWindow(() => {
    const w = new FakeWindow();
    created.push(w);
    return w;
  });
  return { consoleWindow, created };
}

describe('ConsoleWindow', () => {
  it('is created hidden and shown only on ready-to-show, not before', () => {
    expect(windowOptions({ preload: '/p.cjs', icon: '/i.png' }, false).show).toBe(false);
    const { consoleWindow, created } = windows();
    consoleWindow.show();
    consoleWindow.show(); // the tray clicked while it loads: still one window, still not shown
    expect(created).toHaveLength(1);
    const [win] = created;
    expect(win?.actions).toEqual([]);
    win?.paint();
    expect(win?.actions).toEqual(['show', 'focus']);
    expect(win?.visible).toBe(true);
  });

  it('brings a hidden or minimized window back and focuses it', () => {
    const { consoleWindow, created } = windows();
    consoleWindow.show();
    const win = created[0];
    if (win === undefined) throw new Error('no window');
    win.paint();
    consoleWindow.hidden();
    win.hide();
    win.minimized = true;
    consoleWindow.show();
    expect(win.actions.slice(-3)).toEqual(['restore', 'show', 'focus']);
    expect([win.visible, win.minimized, win.focused]).toEqual([true, false, true]);
  });

  it('a window closed before its first paint stays hidden when it paints', () => {
    const { consoleWindow, created } = windows();
    consoleWindow.show();
    consoleWindow.hidden();
    created[0]?.paint();
    expect(created[0]?.visible).toBe(false);
    consoleWindow.show();
    expect(created[0]?.visible).toBe(true);
  });

  it('a page that never paints (failed load, renderer gone) does not keep the window off screen', () => {
    const { consoleWindow, created } = windows();
    consoleWindow.show();
    consoleWindow.showAnyway();
    expect(created[0]?.actions).toEqual(['show', 'focus']);
  });

  it('after the window is gone, showing creates a new one; a stale ready-to-show changes nothing', () => {
    const { consoleWindow, created } = windows();
    consoleWindow.show();
    const first = created[0];
    if (first === undefined) throw new Error('no window');
    first.destroyed = true;
    consoleWindow.closed();
    expect(consoleWindow.current).toBeNull();
    consoleWindow.show();
    expect(created).toHaveLength(2);
    first.paint();
    expect(created[1]?.visible).toBe(false);
    created[1]?.paint();
    expect(created[1]?.visible).toBe(true);
  });
});

describe('dialogParent', () => {
  it('attaches dialogs to the window only while it is on screen', () => {
    const win = new FakeWindow();
    expect(dialogParent(null)).toBeNull();
    expect(dialogParent(win)).toBeNull();
    win.show();
    expect(dialogParent(win)).toBe(win);
    win.destroyed = true;
    expect(dialogParent(win)).toBeNull();
  });
});

describe('sandboxOff', () => {
  it('a packaged app refuses --no-sandbox, naming the deb and the AppArmor way; a development run warns', () => {
    expect(sandboxOff(false, true)).toBeNull();
    expect(sandboxOff(false, false)).toBeNull();
    const refused = sandboxOff(true, true);
    const text = refused !== null && 'refuse' in refused ? refused.refuse : '';
    expect(text).toContain('started with --no-sandbox');
    expect(text).toContain('Install the .deb package');
    expect(text).toContain('AppArmor profile: see "Linux sandbox" in docs/desktop.md');
    expect(sandboxOff(true, false)).toEqual({ warn: expect.stringMatching(/development only/) as unknown });
  });
});
