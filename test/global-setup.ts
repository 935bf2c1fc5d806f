import { execFileSync } from 'node:child_process';

/** CLI tests spawn bin/apsis, which runs compiled JS: make sure dist/ matches the sources. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b'], { stdio: 'inherit' });
}
