// Where chromium's main thread spends its time during a flood, through the Chrome DevTools
// Protocol: a V8 CPU profile (JavaScript by function, mapped through the webview bundle's source
// map to xterm's and our sources) and a trace of the renderer main thread (style, layout, paint,
// GC and message events, which a CPU profile shows only as "(program)"). Only summaries are kept.
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { repoRoot } from '../../test/e2e/harness';
import { round } from './report';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string; data?: { type?: string } };
}

export interface ProfileSummary {
  /** Profiled span, ms. */
  wallMs: number;
  /** CPU profile of the page's renderer (the workbench and every same-process frame). */
  cpu: {
    byCategory: Array<{ category: string; ms: number; percent: number }>;
    topFunctions: Array<{ function: string; source: string; category: string; ms: number; percent: number }>;
  };
  /** Renderer main thread(s), self time of trace events. */
  mainThread: {
    busyPercent: number;
    byCategory: Array<{ category: string; ms: number; percent: number }>;
    topEvents: Array<{ event: string; ms: number; percent: number }>;
  };
  /** Frames with their own renderer process (out-of-process iframes); none means one main thread. */
  outOfProcessFrames: string[];
}

const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'].join(',');

/** Categories of the CPU profile, decided from a function's original source where there is one. */
function cpuCategory(name: string, url: string, source: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'native outside JS (style, layout, paint, event dispatch)';
  if (name === '(root)') return 'other';
  const file = source || url;
  if (/xterm\/src\/common\/(parser|InputHandler|input\/)/.test(file)) return 'xterm parser (escape sequences, decoding, print)';
  if (/xterm\/src\/common\/(buffer|CircularList)/.test(file)) return 'xterm buffer';
  if (/xterm\/src\/browser\/renderer/.test(file) || /xterm\/src\/browser\/services\/RenderService/.test(file)) return 'xterm DOM renderer (JS side)';
  if (/xterm\/src\/common\/services\/|xterm\/src\/common\/CoreTerminal|WriteBuffer/.test(file)) return 'xterm write buffer and services';
  if (/xterm\/src\//.test(file)) return 'xterm other';
  if (/src\/webview\//.test(file)) return 'our webview code';
  if (/src\/shared\//.test(file)) return 'our shared code';
  if (/webview\/browser\/pre\//.test(url)) return "VS Code's webview frames (message forwarding)";
  if (/@xterm\/|xterm\.js|xterm\.mjs/.test(url)) return "VS Code's xterm";
  if (!url) return `native API from JS (${/postMessage|parse|stringify|structuredClone|data/.test(name) ? 'messages' : 'other'})`;
  return 'VS Code workbench JS';
}

/** Trace events by what they are; self time is credited to the innermost event. */
function traceCategory(event: TraceEvent): string {
  const n = event.name;
  if (/GC|GarbageCollection|Scavenge|MarkCompact/.test(n)) return 'GC';
  if (/^(Layout|UpdateLayoutTree|RecalculateStyles|PrePaint|Paint|PaintImage|Layerize|UpdateLayer|UpdateLayerTree|CompositeLayers|Commit|HitTest|IntersectionObserverController::computeIntersections|ScrollLayer|Animation|LocalFrameView::RunPostLifecycleSteps|Document::updateStyle|Document::rebuildLayoutTree)$/.test(n) || /Paint|Layout|Style|Lifecycle/.test(n)) return 'rendering (style, layout, paint)';
  if (n === 'EventDispatch' && event.args?.data?.type === 'message') return 'message events';
  if (/postMessage|MessagePort|Deserialize|Serialize/i.test(n)) return 'message passing (serialise, deserialise)';
  if (/FunctionCall|EvaluateScript|v8\.|V8\.|TimerFire|FireAnimationFrame|RunMicrotasks|EventDispatch|XHR|ParseHTML|Compile/.test(n)) return 'JavaScript (see the CPU profile)';
  if (n === 'RunTask' || n === 'ThreadControllerImpl::RunTask') return 'task overhead';
  // Messages from the browser process: websocket data for VS Code's connection, frame messages.
  if (n === 'Receive mojo message' || n === 'SimpleWatcher::OnHandleReady') return 'IPC from the browser process';
  if (n.startsWith('CpuProfiler::')) return 'the profiler itself';
  return 'other';
}

function rank<T extends string>(totals: Map<T, number>, whole: number, limit = Infinity): Array<{ key: T; ms: number; percent: number }> {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, ms]) => ({ key, ms: round(ms, 1), percent: round((ms / whole) * 100, 1) }));
}

/** The webview bundles' source maps, to tell xterm's functions (minified upstream) from ours. */
function loadBundleMaps(): Map<string, SourceMap> {
  const maps = new Map<string, SourceMap>();
  for (const bundle of ['webview.js', 'webgl.js']) {
    const file = path.join(repoRoot, 'dist', `${bundle}.map`);
    if (fs.existsSync(file)) maps.set(bundle, new SourceMap(JSON.parse(fs.readFileSync(file, 'utf8'))));
  }
  return maps;
}

function summariseCpu(profile: CpuProfile): ProfileSummary['cpu'] {
  const maps = loadBundleMaps();
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // The delta before sample i+1 is the time sample i stood for.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) / 1000;
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { function: string; source: string; category: string; ms: number }>();
  for (const node of profile.nodes) {
    const ms = (selfUs.get(node.id) ?? 0) / 1000;
    if (ms === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const map = [...maps].find(([name]) => url.endsWith(name))?.[1];
    const entry = map?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    const source = entry?.originalSource ? `${entry.originalSource.replace(/^.*node_modules\//, '').replace(/^.*?\/src\//, (m) => (m.includes('xterm') ? m : 'src/'))}:${(entry.originalLine ?? 0) + 1}` : '';
    const category = cpuCategory(functionName, url, source);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const where = source || (url ? `${url.replace(/^.*\/(out|static|dist)\//, '')}:${lineNumber + 1}` : '');
    const key = `${functionName}|${where}`;
    const row = byFunction.get(key) ?? { function: functionName || '(anonymous)', source: where, category, ms: 0 };
    row.ms += ms;
    byFunction.set(key, row);
  }
  return {
    byCategory: rank(byCategory, total).map(({ key, ms, percent }) => ({ category: key, ms, percent })),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 40)
      .map((row) => ({ ...row, ms: round(row.ms, 1), percent: round((row.ms / total) * 100, 1) })),
  };
}

/** Self time of complete events on the renderer main threads, innermost event wins. */
function summariseTrace(events: TraceEvent[], wallMs: number): ProfileSummary['mainThread'] {
  const mainThreads = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mainThreads.has(key)) continue;
    const list = byThread.get(key) ?? [];
    list.push(e);
    byThread.set(key, list);
  }
  const byEvent = new Map<string, number>();
  const byCategory = new Map<string, number>();
  let busyMs = 0;
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const stack: Array<{ event: TraceEvent; end: number; childUs: number }> = [];
    const close = (upTo: number) => {
      while (stack.length && stack[stack.length - 1].end <= upTo) {
        const done = stack.pop()!;
        const self = ((done.event.dur ?? 0) - done.childUs) / 1000;
        byEvent.set(done.event.name, (byEvent.get(done.event.name) ?? 0) + self);
        const category = traceCategory(done.event);
        byCategory.set(category, (byCategory.get(category) ?? 0) + self);
        if (stack.length === 0) busyMs += (done.event.dur ?? 0) / 1000;
      }
    };
    for (const e of list) {
      close(e.ts);
      if (stack.length) stack[stack.length - 1].childUs += e.dur ?? 0;
      stack.push({ event: e, end: e.ts + (e.dur ?? 0), childUs: 0 });
    }
    close(Infinity);
  }
  const threads = Math.max(1, byThread.size);
  return {
    busyPercent: round((busyMs / (wallMs * threads)) * 100, 1),
    byCategory: rank(byCategory, busyMs).map(({ key, ms, percent }) => ({ category: key, ms, percent })),
    topEvents: rank(byEvent, busyMs, 25).map(({ key, ms, percent }) => ({ event: key, ms, percent })),
  };
}

async function readStream(session: CDPSession, handle: string): Promise<string> {
  const parts: string[] = [];
  for (;;) {
    const chunk = await session.send('IO.read', { handle, size: 1 << 20 });
    parts.push(chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data);
    if (chunk.eof) break;
  }
  await session.send('IO.close', { handle });
  return parts.join('');
}

/**
 * Starts profiling the page's renderer (and any out-of-process frame's); `stop()` returns the
 * summary. Profiling slows the page, so a profiled run is not one of the timed runs.
 */
export async function startProfile(page: Page): Promise<{ stop(): Promise<ProfileSummary> }> {
  const context = page.context();
  const session = await context.newCDPSession(page);
  const outOfProcess: string[] = [];
  const profiled: CDPSession[] = [session];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    // Playwright refuses a session for a frame that shares its parent's process.
    const own = await context.newCDPSession(frame).catch(() => undefined);
    if (own) {
      outOfProcess.push(frame.url().slice(0, 120));
      profiled.push(own);
    }
  }
  for (const s of profiled) {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: 250 });
  }
  await session.send('Tracing.start', { categories: TRACE_CATEGORIES, transferMode: 'ReturnAsStream' });
  for (const s of profiled) await s.send('Profiler.start');
  const start = Date.now();
  return {
    async stop() {
      const wallMs = Date.now() - start;
      const profiles = await Promise.all(profiled.map(async (s) => (await s.send('Profiler.stop')).profile as unknown as CpuProfile));
      const ended = new Promise<string>((resolve) => session.once('Tracing.tracingComplete', (e) => resolve(e.stream ?? '')));
      await session.send('Tracing.end');
      const text = await readStream(session, await ended);
      const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
      const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
      for (const s of profiled) await s.detach().catch(() => undefined);
      // Several renderers: their profiles are summed, node ids made distinct per profile.
      const merged: CpuProfile = { nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 };
      profiles.forEach((p, i) => {
        const offset = i * 10_000_000;
        merged.nodes.push(...p.nodes.map((n) => ({ ...n, id: n.id + offset })));
        // Each profile's first delta is from its start; the summary uses delta i+1 for sample i.
        merged.samples.push(...p.samples.map((id) => id + offset), -1);
        merged.timeDeltas.push(...p.timeDeltas, 0);
      });
      return { wallMs, cpu: summariseCpu(merged), mainThread: summariseTrace(events, wallMs), outOfProcessFrames: outOfProcess };
    },
  };
}
