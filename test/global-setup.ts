import { execFileSync } from 'node:child_process';

/**
 * CLI and browser tests run what a user runs: bin/apsis (compiled JS) serving the built console. Build both
 * first so they match the sources.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}
