// `npm install` and `npm ci` in this repository run the `prepare` script,
// also as `npm ci --omit=dev`, which leaves out the UI's build tools (tsx,
// esbuild, preact). Build the web UI when they are there; otherwise say why
// not and succeed, so a production install is not broken by a build it does
// not need (a package or image carries dist/ui already built).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['tsx', 'esbuild', 'preact'].filter((name) => {
  try {
    require.resolve(`${name}/package.json`);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  console.log(`prepare: not building the web UI (${missing.join(', ')} not installed: a production install); dist/ui is used as it is`);
  process.exit(0);
}
const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', '-s', 'build:ui'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', '-s', 'build:ui'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
