/**
 * Control messages between the session host and its clients (the JSON inside
 * Control and Reject frames). Each side validates what it receives: the peer may be
 * an older build, a buggy one, or anything else that found the socket.
 */
import { SIGNAL_NAMES, type SignalName } from '../../../shared/protocol';
import { SessionSettingLimits, type SessionOptions, type SessionSettings, type SessionSnapshot } from '../../sessions';

/**
 * Bumped on any incompatible change to frames or messages. See hostPaths.ts for
 * what a client does about a host that speaks another version.
 */
export const PROTOCOL_VERSION = 1;

/** A session as the host describes it: the snapshot plus what a proxy needs to mirror it. */
export interface WireSession extends SessionSnapshot {
  /** Names the session in Output and Input frames; never reused within one host. */
  readonly handle: number;
  readonly options: SessionOptions;
  readonly cols: number;
  readonly rows: number;
  readonly exitSignal: number | undefined;
}

// ---- client → host ----

export interface HelloMessage {
  readonly type: 'hello';
  readonly token: string;
  readonly protocolVersion: number;
  readonly clientVersion: string;
}

export type HostRequest =
  | { readonly method: 'list' }
  | { readonly method: 'create'; readonly options: SessionOptions }
  | { readonly method: 'getOrCreate'; readonly options: SessionOptions }
  | { readonly method: 'close'; readonly sessionId: string }
  | { readonly method: 'attach'; readonly sessionId: string }
  | { readonly method: 'detach'; readonly sessionId: string }
  | { readonly method: 'resize'; readonly sessionId: string; readonly cols: number; readonly rows: number }
  | { readonly method: 'signal'; readonly sessionId: string; readonly signal: SignalName }
  | { readonly method: 'pause'; readonly sessionId: string }
  | { readonly method: 'resume'; readonly sessionId: string }
  | { readonly method: 'clearReplay'; readonly sessionId: string }
  | { readonly method: 'screen'; readonly sessionId: string }
  | { readonly method: 'configure'; readonly settings: SessionSettings };

export type HostMethod = HostRequest['method'];

export interface RequestMessage {
  readonly type: 'request';
  readonly id: number;
  readonly request: HostRequest;
}

export type ClientMessage = HelloMessage | RequestMessage;

// ---- host → client ----

/** What each request resolves with. */
export interface HostResults {
  list: { readonly sessions: WireSession[] };
  create: { readonly session: WireSession };
  getOrCreate: { readonly session: WireSession; readonly created: boolean };
  close: { readonly closed: boolean };
  attach: Record<string, never>;
  detach: Record<string, never>;
  resize: Record<string, never>;
  signal: Record<string, never>;
  pause: Record<string, never>;
  resume: Record<string, never>;
  clearReplay: Record<string, never>;
  screen: { readonly screen: string };
  configure: Record<string, never>;
}

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly protocolVersion: number;
  readonly hostVersion: string;
  readonly hostPid: number;
}

/** An expected failure, by kind (SessionErrorKind values, or 'bad-request'). */
export interface WireError {
  readonly kind: string;
  readonly message: string;
}

export type ResponseMessage =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: WireError };

export type SessionEventKind = 'created' | 'changed' | 'closed' | 'exit';

export interface SessionEventMessage {
  readonly type: 'event';
  readonly event: SessionEventKind;
  readonly session: WireSession;
}

export type HostMessage = WelcomeMessage | ResponseMessage | SessionEventMessage;

export interface RejectMessage {
  readonly reason: 'bad-token' | 'protocol-version' | 'bad-hello' | 'bad-frame' | 'bad-message' | 'too-slow';
  readonly message: string;
  /** The host's version, so a client can tell which host it reached. */
  readonly protocolVersion: number;
}

/** The peer sent something that is not a valid message. */
export class MessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageError';
  }
}

// ---- validation ----

type Fields = Record<string, unknown>;

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessageError(`${what} must be an object.`);
  }
  return value as Fields;
}

function string(fields: Fields, key: string, maxLength = 65_536): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new MessageError(`"${key}" must be a string of at most ${maxLength} characters.`);
  }
  return value;
}

function optionalString(fields: Fields, key: string, maxLength = 65_536): string | undefined {
  return fields[key] === undefined ? undefined : string(fields, key, maxLength);
}

function integer(fields: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MessageError(`"${key}" must be an integer in ${min}..${max}.`);
  }
  return value;
}

function optionalInteger(fields: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return fields[key] === undefined || fields[key] === null ? undefined : integer(fields, key, min, max);
}

function number(fields: Fields, key: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MessageError(`"${key}" must be a finite number.`);
  }
  return value;
}

function optionalNumber(fields: Fields, key: string): number | undefined {
  return fields[key] === undefined || fields[key] === null ? undefined : number(fields, key);
}

function sessionId(fields: Fields): string {
  return string(fields, 'sessionId', 128);
}

const MAX_ARGS = 1_000;
const MAX_ENV = 10_000;

export function parseSessionOptions(value: unknown): SessionOptions {
  const fields = object(value, 'Session options');
  const options: { -readonly [K in keyof SessionOptions]: SessionOptions[K] } = {
    // Normalised and checked by the session manager; here only the type matters.
    milestoneId: string(fields, 'milestoneId', 4_096),
  };
  const title = optionalString(fields, 'title', 4_096);
  const command = optionalString(fields, 'command', 4_096);
  const cwd = optionalString(fields, 'cwd', 4_096);
  const cols = optionalInteger(fields, 'cols', 1, 2_000);
  const rows = optionalInteger(fields, 'rows', 1, 1_000);
  if (title !== undefined) options.title = title;
  if (command !== undefined) options.command = command;
  if (cwd !== undefined) options.cwd = cwd;
  if (cols !== undefined) options.cols = cols;
  if (rows !== undefined) options.rows = rows;
  if (fields.args !== undefined) {
    const args = fields.args;
    if (!Array.isArray(args) || args.length > MAX_ARGS || !args.every((arg): arg is string => typeof arg === 'string')) {
      throw new MessageError(`"args" must be an array of at most ${MAX_ARGS} strings.`);
    }
    options.args = args;
  }
  if (fields.env !== undefined) {
    const env = object(fields.env, '"env"');
    const entries = Object.entries(env);
    if (entries.length > MAX_ENV || !entries.every(([, v]) => typeof v === 'string' || v === null)) {
      throw new MessageError(`"env" must map at most ${MAX_ENV} names to strings or null.`);
    }
    options.env = env as Record<string, string | null>;
  }
  return options;
}

function parseRequest(value: unknown): HostRequest {
  const fields = object(value, 'A request');
  const method = fields.method;
  switch (method) {
    case 'list':
      return { method };
    case 'create':
    case 'getOrCreate':
      return { method, options: parseSessionOptions(fields.options) };
    case 'close':
    case 'attach':
    case 'detach':
    case 'pause':
    case 'resume':
    case 'clearReplay':
    case 'screen':
      return { method, sessionId: sessionId(fields) };
    case 'resize':
      return { method, sessionId: sessionId(fields), cols: integer(fields, 'cols', 1, 2_000), rows: integer(fields, 'rows', 1, 1_000) };
    case 'signal': {
      const signal = fields.signal;
      if (!SIGNAL_NAMES.includes(signal as SignalName)) {
        throw new MessageError(`"signal" must be one of ${SIGNAL_NAMES.join(', ')}.`);
      }
      return { method, sessionId: sessionId(fields), signal: signal as SignalName };
    }
    case 'configure': {
      const settings = object(fields.settings, '"settings"');
      return {
        method,
        settings: {
          detachedTimeoutMs: integer(settings, 'detachedTimeoutMs', 0, SessionSettingLimits.maxDetachedTimeoutMs),
          replayBufferBytes: integer(settings, 'replayBufferBytes', SessionSettingLimits.minReplayBufferBytes, SessionSettingLimits.maxReplayBufferBytes),
        },
      };
    }
    default:
      throw new MessageError(`Unknown request method ${JSON.stringify(method)?.slice(0, 80)}.`);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('A control frame must hold JSON.');
  }
}

export function parseHello(payload: Buffer): HelloMessage {
  const fields = object(parseJson(payload), 'The hello message');
  if (fields.type !== 'hello') {
    throw new MessageError('The first message must be a hello.');
  }
  return {
    type: 'hello',
    token: string(fields, 'token', 256),
    protocolVersion: integer(fields, 'protocolVersion'),
    clientVersion: string(fields, 'clientVersion', 256),
  };
}

/**
 * A request, or a MessageError. The id is recovered whenever it is readable, so a
 * request with bad parameters gets an error response instead of a dropped connection.
 */
export function parseRequestMessage(payload: Buffer): RequestMessage | { readonly id: number | undefined; readonly error: MessageError } {
  let id: number | undefined;
  try {
    const fields = object(parseJson(payload), 'A control message');
    if (fields.type !== 'request') {
      throw new MessageError(`Expected a request, got ${JSON.stringify(fields.type)?.slice(0, 80)}.`);
    }
    id = integer(fields, 'id');
    return { type: 'request', id, request: parseRequest(fields.request) };
  } catch (error) {
    if (error instanceof MessageError) {
      return { id, error };
    }
    throw error;
  }
}

function parseWireSession(value: unknown): WireSession {
  const fields = object(value, 'A session');
  const state = fields.state;
  if (state !== 'running' && state !== 'exited') {
    throw new MessageError('"state" must be running or exited.');
  }
  return {
    handle: integer(fields, 'handle', 0, 0xffff_ffff),
    sessionId: sessionId(fields),
    milestoneId: string(fields, 'milestoneId', 4_096),
    title: string(fields, 'title', 4_096),
    pid: optionalInteger(fields, 'pid'),
    state,
    exitCode: optionalInteger(fields, 'exitCode', Number.MIN_SAFE_INTEGER),
    exitSignal: optionalInteger(fields, 'exitSignal'),
    exitedAt: optionalNumber(fields, 'exitedAt'),
    createdAt: number(fields, 'createdAt'),
    lastActivity: number(fields, 'lastActivity'),
    attachedViews: integer(fields, 'attachedViews'),
    replayBytes: integer(fields, 'replayBytes'),
    cwd: optionalString(fields, 'cwd', 4_096),
    command: string(fields, 'command', 4_096),
    options: parseSessionOptions(fields.options),
    cols: integer(fields, 'cols', 1),
    rows: integer(fields, 'rows', 1),
  };
}

export function parseHostMessage(payload: Buffer): HostMessage {
  const fields = object(parseJson(payload), 'A host message');
  switch (fields.type) {
    case 'welcome':
      return {
        type: 'welcome',
        protocolVersion: integer(fields, 'protocolVersion'),
        hostVersion: string(fields, 'hostVersion', 256),
        hostPid: integer(fields, 'hostPid'),
      };
    case 'response': {
      const id = integer(fields, 'id');
      if (fields.ok === true) {
        return { type: 'response', id, ok: true, result: fields.result };
      }
      const error = object(fields.error, '"error"');
      return { type: 'response', id, ok: false, error: { kind: string(error, 'kind', 64), message: string(error, 'message') } };
    }
    case 'event': {
      const event = fields.event;
      if (event !== 'created' && event !== 'changed' && event !== 'closed' && event !== 'exit') {
        throw new MessageError(`Unknown event ${JSON.stringify(event)?.slice(0, 80)}.`);
      }
      return { type: 'event', event, session: parseWireSession(fields.session) };
    }
    default:
      throw new MessageError(`Unknown host message ${JSON.stringify(fields.type)?.slice(0, 80)}.`);
  }
}

/** Checks a response's result against its method before a proxy relies on it. */
export function parseResult<M extends HostMethod>(method: M, value: unknown): HostResults[M] {
  const fields = object(value ?? {}, 'A result');
  switch (method) {
    case 'list': {
      if (!Array.isArray(fields.sessions)) {
        throw new MessageError('"sessions" must be an array.');
      }
      return { sessions: fields.sessions.map(parseWireSession) } as HostResults[M];
    }
    case 'create':
      return { session: parseWireSession(fields.session) } as HostResults[M];
    case 'getOrCreate':
      if (typeof fields.created !== 'boolean') {
        throw new MessageError('"created" must be a boolean.');
      }
      return { session: parseWireSession(fields.session), created: fields.created } as HostResults[M];
    case 'close':
      if (typeof fields.closed !== 'boolean') {
        throw new MessageError('"closed" must be a boolean.');
      }
      return { closed: fields.closed } as HostResults[M];
    case 'screen':
      return { screen: string(fields, 'screen', Number.MAX_SAFE_INTEGER) } as HostResults[M];
    default:
      return {} as HostResults[M];
  }
}

export function parseReject(payload: Buffer): RejectMessage {
  const fields = object(parseJson(payload), 'A reject message');
  const reason = fields.reason;
  const reasons: ReadonlyArray<RejectMessage['reason']> = ['bad-token', 'protocol-version', 'bad-hello', 'bad-frame', 'bad-message', 'too-slow'];
  if (!reasons.includes(reason as RejectMessage['reason'])) {
    throw new MessageError(`Unknown reject reason ${JSON.stringify(reason)?.slice(0, 80)}.`);
  }
  return { reason: reason as RejectMessage['reason'], message: string(fields, 'message'), protocolVersion: integer(fields, 'protocolVersion') };
}
