/**
 * The route and its query in the hash (SPEC 19.8). A screen reads its state from `route.params` when it is shown
 * and writes changes back with `set` (a new history entry for a choice, the same entry while typing), so a link
 * carries the whole view and Back and Forward restore it. `visit` counts navigations that did not come from `set`
 * (a link, Back, Forward, a typed URL): the screen is rebuilt from the URL then.
 */
import { parseRoute, routeHash, type Route } from '../lib/view-state.js';

export class Router {
  route: Route = $state(parseRoute(window.location.hash));
  visit = $state(0);
  private hash = window.location.hash;

  start(): () => void {
    const on = (): void => {
      if (window.location.hash === this.hash) return;
      this.hash = window.location.hash;
      this.route = parseRoute(this.hash);
      this.visit += 1;
    };
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }

  /**
   * Merges `params` into the current route's query. `push` makes a history entry (a choice: a state ticked, a
   * window picked); without it the entry is replaced (text being typed).
   */
  set(params: Record<string, string>, push = false): void {
    const next: Route = { ...this.route, params: { ...this.route.params, ...params } };
    const hash = routeHash(next);
    if (hash === routeHash(this.route)) return;
    const url = new URL(window.location.href);
    url.hash = hash;
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    this.hash = window.location.hash;
    this.route = parseRoute(this.hash);
  }
}
