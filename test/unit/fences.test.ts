import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as TypeScript from 'typescript';

// Loaded from node_modules at run time: a bundled copy would look for its lib files beside the bundle.
const ts = createRequire(__filename)('typescript') as typeof TypeScript;

const REPO = path.resolve(__dirname, '../../..');

/** The layers `npm run typecheck` compiles on their own, each with its own tsconfig. */
const LAYERS = {
  sessions: 'src/extension/sessions/tsconfig.json',
  host: 'src/extension/host/tsconfig.json',
  webview: 'src/webview/tsconfig.json',
} as const;
type Layer = keyof typeof LAYERS;

const PROBES = {
  vscode: "import * as vscode from 'vscode';\nexport const probe: unknown = vscode;\n",
  nodeFs: "import { readFileSync } from 'node:fs';\nexport const probe: unknown = readFileSync;\n",
  plain: 'export const probe: unknown = 6 * 7;\n',
};
type Probe = keyof typeof PROBES;

/** One program per layer, its lib and type files parsed once for all three. */
const sourceFiles = new Map<string, TypeScript.SourceFile | undefined>();
const diagnosticsByLayer = new Map<Layer, Map<Probe, readonly TypeScript.Diagnostic[]>>();

/**
 * Compiles every probe as a file of `layer`: a temporary tsconfig that extends the layer's
 * (whose `paths` still resolve from the layer's folder) and lists only the probes. Types come
 * from the repository's node_modules, as they would for a file inside the layer.
 */
function compile(layer: Layer, scratch: string): Map<Probe, readonly TypeScript.Diagnostic[]> {
  const known = diagnosticsByLayer.get(layer);
  if (known) {
    return known;
  }
  const directory = path.join(scratch, layer);
  mkdirSync(directory);
  for (const [name, text] of Object.entries(PROBES)) {
    writeFileSync(path.join(directory, `${name}.ts`), text);
  }
  const config = path.join(directory, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(REPO, LAYERS[layer]),
      compilerOptions: { typeRoots: [path.join(REPO, 'node_modules/@types')] },
      include: Object.keys(PROBES).map((name) => `${name}.ts`),
    }),
  );
  const parsed = ts.getParsedCommandLineOfConfigFile(config, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  });
  assert.ok(parsed, `${LAYERS[layer]} parses`);
  assert.deepEqual(parsed.errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n')), []);
  const host = ts.createCompilerHost(parsed.options);
  const readSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    if (!sourceFiles.has(key)) {
      sourceFiles.set(key, readSourceFile.call(host, fileName, languageVersion, ...rest));
    }
    return sourceFiles.get(key);
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  const result = new Map<Probe, readonly TypeScript.Diagnostic[]>();
  for (const name of Object.keys(PROBES) as Probe[]) {
    const file = program.getSourceFile(path.join(directory, `${name}.ts`));
    assert.ok(file, `${name}.ts is part of the ${layer} program`);
    result.set(name, [...global, ...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
  }
  diagnosticsByLayer.set(layer, result);
  return result;
}

function describeAll(diagnostics: readonly TypeScript.Diagnostic[]): string {
  return diagnostics.map((diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`).join('\n') || 'no errors';
}

/** Asserts the probe fails to compile because of its import of `specifier`, with error `code`. */
function assertImportRefused(diagnostics: readonly TypeScript.Diagnostic[], specifier: string, code: number, message: RegExp): void {
  const refusal = diagnostics.find((diagnostic) => {
    const { file, start, length } = diagnostic;
    return diagnostic.code === code && file !== undefined && start !== undefined && file.text.slice(start, start + (length ?? 0)) === `'${specifier}'`;
  });
  assert.ok(refusal, `the import of '${specifier}' is refused with TS${code}; got:\n${describeAll(diagnostics)}`);
  assert.match(ts.flattenDiagnosticMessageText(refusal.messageText, ' '), message);
}

describe('compile fences (each layer refuses what its runtime lacks)', function () {
  this.timeout(60_000);
  let scratch: string;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'mt-fences-'));
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const layer of Object.keys(LAYERS) as Layer[]) {
    it(`${layer}: a file importing 'vscode' does not compile, the same file without the import does`, () => {
      const diagnostics = compile(layer, scratch);
      assert.equal(describeAll(diagnostics.get('plain')!), 'no errors', 'the probe itself compiles in this layer');
      assertImportRefused(diagnostics.get('vscode')!, 'vscode', 2306, /no-vscode\.d\.ts' is not a module/);
    });
  }

  it("webview: a file importing 'node:fs' does not compile", () => {
    assertImportRefused(compile('webview', scratch).get('nodeFs')!, 'node:fs', 2307, /Cannot find module 'node:fs'/);
  });
});
