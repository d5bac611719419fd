// Builds the extension (Node, CommonJS), the webview (browser) and the test and
// bench entry points. `--watch` rebuilds on change; `--production` minifies the
// shipped bundles.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Every .ts file directly in `dir` whose name matches `pattern`. */
function entries(dir, pattern = /\.ts$/) {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => pattern.test(name) && !name.endsWith('.d.ts'))
    .map((name) => join(dir, name));
}

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // node-pty is native and must be loaded from node_modules; vscode is provided by the host.
  external: ['vscode', 'node-pty', 'mocha', 'playwright-core'],
  logLevel: 'warning',
  // Minified or not, error names in the logs stay readable (SessionError, not t).
  keepNames: true,
};

const builds = [
  {
    ...node,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    minify: production,
    sourcemap: !production,
  },
  // The session host daemon: a separate Node process that outlives window reloads.
  { ...node, entryPoints: ['src/extension/host/daemon/main.ts'], outfile: 'dist/sessionHost.js', minify: production, sourcemap: !production },
  {
    // The WebGL renderer is a bundle of its own, in the page only while it may be used (webglBundle.ts).
    entryPoints: { webview: 'src/webview/main.ts', webgl: 'src/webview/webglBundle.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: production,
    // Production keeps a map beside the bundle (never packaged, no link in it) so that the
    // benches' profiles of the shipped code name xterm's and our functions.
    sourcemap: production ? 'external' : true,
    logLevel: 'warning',
  },
  { ...node, entryPoints: entries('test/unit', /\.test\.ts$/), outdir: 'out/test/unit' },
  // The Windows suite, run by a Windows Node under wine (scripts/test-wine.mjs) and on the release's Windows runner.
  { ...node, entryPoints: entries('test/wine'), outdir: 'out/test/wine' },
  { ...node, entryPoints: entries('test/integration'), outdir: 'out/test/integration' },
  { ...node, entryPoints: entries('test/integration-untrusted'), outdir: 'out/test/integration-untrusted' },
  { ...node, entryPoints: entries('test/e2e'), outdir: 'out/test/e2e' },
  // Functions the benches pass to page.evaluate run in the page, where esbuild's __name helper
  // (added by keepNames) does not exist.
  { ...node, keepNames: false, entryPoints: entries('bench'), outdir: 'out/bench' },
  // Run in a PTY by the tests as a stand-in for an AI coding agent.
  { ...node, entryPoints: ['test/support/fakeAgentMain.ts'], outdir: 'out/test/support' },
].filter((options) => (Array.isArray(options.entryPoints) ? options.entryPoints.length > 0 : true));

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
