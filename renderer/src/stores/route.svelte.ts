/** Hash routes: `#/`, `#/jobs`, `#/jobs/ID`, `#/runs`, `#/runs/ID`, `#/folder`, `#/export`. */
export type Route =
  | { view: 'dashboard' }
  | { view: 'jobs' }
  | { view: 'job'; jobId: string }
  | { view: 'runs'; job: string | null }
  | { view: 'run'; runId: string }
  | { view: 'folder' }
  | { view: 'export' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [head, ...rest] = path.split('/').filter((p) => p !== '');
  const tail = rest.map(decodeURIComponent).join('/');
  switch (head) {
    case 'jobs':
      return tail === '' ? { view: 'jobs' } : { view: 'job', jobId: tail };
    case 'runs':
      if (tail === '') return { view: 'runs', job: null };
      return tail.startsWith('job:') ? { view: 'runs', job: tail.slice(4) } : { view: 'run', runId: tail };
    case 'folder':
      return { view: 'folder' };
    case 'export':
      return { view: 'export' };
    default:
      return { view: 'dashboard' };
  }
}

export function href(route: Route): string {
  switch (route.view) {
    case 'dashboard':
      return '#/';
    case 'jobs':
      return '#/jobs';
    case 'job':
      return `#/jobs/${route.jobId.split('/').map(encodeURIComponent).join('/')}`;
    case 'runs':
      return route.job === null ? '#/runs' : `#/runs/job:${encodeURIComponent(route.job)}`;
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'folder':
      return '#/folder';
    case 'export':
      return '#/export';
  }
}

export class Router {
  route: Route = $state(parseRoute(window.location.hash));

  start(): () => void {
    const on = (): void => {
      this.route = parseRoute(window.location.hash);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }
}
