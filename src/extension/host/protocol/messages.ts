/**
 * Control messages between the session host and its clients (the JSON inside
 * Control and Reject frames). Each side validates what it receives: the peer may be
 * an older build, a buggy one, or anything else that found the socket.
 */
import { SIGNAL_NAMES, type SignalName } from '../../../shared/protocol';
import { KindedError, SESSION_ERROR_KINDS, SessionSettingLimits, kindGuard, sanitizeAttentionMessage, type SessionAttention, type SessionOptions, type SessionSettings, type SessionSnapshot } from '../../sessions';

/**
 * Bumped on any incompatible change to frames or messages. See hostPaths.ts for
 * what a client does about a host that speaks another version.
 */
export const PROTOCOL_VERSION = 3;

/**
 * A client's pause of a session lasts this long unless the client asks again; a client
 * that stays paused repeats its request well within it (see RemoteSession).
 */
export const PAUSE_LEASE_MS = 5_000;

/** What a message may hold; a peer that sends more is refused before anything allocates for it. */
export const MessageLimits = {
  maxTextChars: 65_536,
  maxSessionIdChars: 128,
  /** A milestone id, title, command or working directory. */
  maxOptionChars: 4_096,
  /** A token or a build's version. */
  maxVersionChars: 256,
  maxCols: 2_000,
  maxRows: 1_000,
  maxArgs: 1_000,
  maxEnvEntries: 10_000,
  /** A window's whole environment, names and values together: Linux refuses more than about 2 MB of arguments and environment anyway. */
  maxEnvironmentChars: 1_048_576,
  /** The beat cadence a host may announce: a client must be able to tell silence from a slow beat. */
  minHeartbeatIntervalMs: 10,
  maxHeartbeatIntervalMs: 60_000,
} as const;

/**
 * Variables holding the path of a socket that one window serves (VS Code's CLI
 * server for `code file`, the git extension's askpass server). They die with the
 * window, so a session gets a link the host repoints at the window that shows it
 * now. Every other variable is fixed when the process starts.
 */
export const WINDOW_SOCKET_VARIABLES = ['VSCODE_IPC_HOOK_CLI', 'VSCODE_GIT_IPC_HANDLE'] as const;

/** Environment variables as they cross the socket: names without '=' or NUL, values without NUL. */
export type WireEnvironment = Readonly<Record<string, string>>;

/** A session as the host describes it: the snapshot plus what a proxy needs to mirror it. */
export interface WireSession extends SessionSnapshot {
  /** Names the session in Output and Input frames; never reused within one host. */
  readonly handle: number;
  readonly options: SessionOptions;
  readonly cols: number;
  readonly rows: number;
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
  /** `environment`: the creating window's, which the process starts from (the host's own when absent). */
  | { readonly method: 'create'; readonly options: SessionOptions; readonly environment?: WireEnvironment }
  | { readonly method: 'getOrCreate'; readonly options: SessionOptions; readonly environment?: WireEnvironment }
  | { readonly method: 'close'; readonly sessionId: string }
  /**
   * The client shows the session: from now on its output goes to this client too.
   * `environment`: the showing window's WINDOW_SOCKET_VARIABLES, which the session's links then point at.
   */
  | { readonly method: 'attach'; readonly sessionId: string; readonly environment?: WireEnvironment }
  /** Ends one attach; after the last, no more of the session's output goes to this client. */
  | { readonly method: 'detach'; readonly sessionId: string }
  | { readonly method: 'resize'; readonly sessionId: string; readonly cols: number; readonly rows: number }
  | { readonly method: 'signal'; readonly sessionId: string; readonly signal: SignalName }
  /** Holds the session's output for at most PAUSE_LEASE_MS; repeat it to stay paused. */
  | { readonly method: 'pause'; readonly sessionId: string }
  | { readonly method: 'resume'; readonly sessionId: string }
  | { readonly method: 'clearReplay'; readonly sessionId: string }
  | { readonly method: 'screen'; readonly sessionId: string }
  /** The screen and scrollback as plain text lines (see bufferText), for the API's readScreen. */
  | { readonly method: 'screenText'; readonly sessionId: string }
  /**
   * The client reads the session's output without showing it (the API waits on it): its
   * output goes to this client until the matching unwatchOutput, and no view is counted.
   */
  | { readonly method: 'watchOutput'; readonly sessionId: string }
  | { readonly method: 'unwatchOutput'; readonly sessionId: string }
  | { readonly method: 'configure'; readonly settings: SessionSettings }
  /** A window showed the session to the user: its attention goes, for every window. */
  | { readonly method: 'clearAttention'; readonly sessionId: string };

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
  /** `cols` and `rows`: the size the screen was drawn at (absent from session hosts of earlier releases). */
  screen: { readonly screen: string; readonly cols?: number; readonly rows?: number };
  screenText: { readonly lines: string[] };
  watchOutput: Record<string, never>;
  unwatchOutput: Record<string, never>;
  configure: Record<string, never>;
  clearAttention: Record<string, never>;
}

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly protocolVersion: number;
  readonly hostVersion: string;
  readonly hostPid: number;
  /** How often the host beats; the client counts silence in these. */
  readonly heartbeatIntervalMs: number;
}

/** Sent on an interval to every client, so a stopped host (SIGSTOP, swapped out) is told from a closed one. */
export interface HeartbeatMessage {
  readonly type: 'heartbeat';
}

/**
 * What a failed request reports: the session core's kinds, a request the host could not
 * read, or a host bug. A client refuses kinds it does not know, so adding one is a
 * protocol change (bump PROTOCOL_VERSION).
 */
export const WIRE_ERROR_KINDS = [...SESSION_ERROR_KINDS, 'bad-request', 'internal'] as const;

export type WireErrorKind = (typeof WIRE_ERROR_KINDS)[number];
const isWireErrorKind = kindGuard(WIRE_ERROR_KINDS);

/** An expected failure, by kind. */
export interface WireError {
  readonly kind: WireErrorKind;
  readonly message: string;
}

export type ResponseMessage =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: WireError };

export const SESSION_EVENT_KINDS = ['created', 'changed', 'closed', 'exit'] as const;

export type SessionEventKind = (typeof SESSION_EVENT_KINDS)[number];
const isSessionEventKind = kindGuard(SESSION_EVENT_KINDS);

export interface SessionEventMessage {
  readonly type: 'event';
  readonly event: SessionEventKind;
  readonly session: WireSession;
}

export type HostMessage = WelcomeMessage | HeartbeatMessage | ResponseMessage | SessionEventMessage;

/** Why the host turned a client away; 'too-slow': it did not read its output and fell too far behind. */
export const REJECT_REASONS = ['bad-token', 'protocol-version', 'bad-hello', 'bad-frame', 'bad-message', 'too-slow'] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];
const isRejectReason = kindGuard(REJECT_REASONS);

export interface RejectMessage {
  readonly reason: RejectReason;
  readonly message: string;
  /** The host's version, so a client can tell which host it reached. */
  readonly protocolVersion: number;
}

export const MESSAGE_ERROR_KINDS = ['not-json', 'unexpected-type', 'unknown-method', 'invalid-field'] as const;

export type MessageErrorKind = (typeof MESSAGE_ERROR_KINDS)[number];

/** The peer sent something that is not a valid message. */
export class MessageError extends KindedError<MessageErrorKind> {}

// ---- validation ----

type Fields = Record<string, unknown>;

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessageError('invalid-field', `${what} must be an object.`);
  }
  return value as Fields;
}

function string(fields: Fields, key: string, maxLength: number = MessageLimits.maxTextChars): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new MessageError('invalid-field', `"${key}" must be a string of at most ${maxLength} characters.`);
  }
  return value;
}

function optionalString(fields: Fields, key: string, maxLength: number = MessageLimits.maxTextChars): string | undefined {
  return fields[key] === undefined ? undefined : string(fields, key, maxLength);
}

function integer(fields: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MessageError('invalid-field', `"${key}" must be an integer in ${min}..${max}.`);
  }
  return value;
}

function optionalInteger(fields: Fields, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return fields[key] === undefined || fields[key] === null ? undefined : integer(fields, key, min, max);
}

function number(fields: Fields, key: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MessageError('invalid-field', `"${key}" must be a finite number.`);
  }
  return value;
}

function optionalNumber(fields: Fields, key: string): number | undefined {
  return fields[key] === undefined || fields[key] === null ? undefined : number(fields, key);
}

function sessionId(fields: Fields): string {
  return string(fields, 'sessionId', MessageLimits.maxSessionIdChars);
}

export function parseSessionOptions(value: unknown): SessionOptions {
  const fields = object(value, 'Session options');
  const options: { -readonly [K in keyof SessionOptions]: SessionOptions[K] } = {
    // Normalised and checked by the session manager; here only the type matters.
    milestoneId: string(fields, 'milestoneId', MessageLimits.maxOptionChars),
  };
  const title = optionalString(fields, 'title', MessageLimits.maxOptionChars);
  const command = optionalString(fields, 'command', MessageLimits.maxOptionChars);
  const cwd = optionalString(fields, 'cwd', MessageLimits.maxOptionChars);
  const cols = optionalInteger(fields, 'cols', 1, MessageLimits.maxCols);
  const rows = optionalInteger(fields, 'rows', 1, MessageLimits.maxRows);
  if (title !== undefined) options.title = title;
  if (command !== undefined) options.command = command;
  if (cwd !== undefined) options.cwd = cwd;
  if (cols !== undefined) options.cols = cols;
  if (rows !== undefined) options.rows = rows;
  if (fields.args !== undefined) {
    const args = fields.args;
    if (!Array.isArray(args) || args.length > MessageLimits.maxArgs || !args.every((arg): arg is string => typeof arg === 'string')) {
      throw new MessageError('invalid-field', `"args" must be an array of at most ${MessageLimits.maxArgs} strings.`);
    }
    options.args = args;
  }
  if (fields.env !== undefined) {
    const env = object(fields.env, '"env"');
    const entries = Object.entries(env);
    if (entries.length > MessageLimits.maxEnvEntries || !entries.every(([, v]) => typeof v === 'string' || v === null)) {
      throw new MessageError('invalid-field', `"env" must map at most ${MessageLimits.maxEnvEntries} names to strings or null.`);
    }
    options.env = env as Record<string, string | null>;
  }
  return options;
}

function optionalEnvironment(fields: Fields): WireEnvironment | undefined {
  if (fields.environment === undefined) {
    return undefined;
  }
  const entries = Object.entries(object(fields.environment, '"environment"'));
  if (entries.length > MessageLimits.maxEnvEntries) {
    throw new MessageError('invalid-field', `"environment" may hold at most ${MessageLimits.maxEnvEntries} variables.`);
  }
  let chars = 0;
  for (const [name, value] of entries) {
    // A name with '=' would be cut at it by the process reading it; NUL ends a C string early.
    if (name === '' || /[=\0]/.test(name)) {
      throw new MessageError('invalid-field', `"environment" holds an invalid variable name ${JSON.stringify(name).slice(0, 80)}: empty, or with '=' or NUL.`);
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new MessageError('invalid-field', `"environment" variable ${name.slice(0, 80)} must be a string without NUL.`);
    }
    chars += name.length + value.length;
  }
  if (chars > MessageLimits.maxEnvironmentChars) {
    throw new MessageError('invalid-field', `"environment" holds ${chars} characters; at most ${MessageLimits.maxEnvironmentChars} are allowed.`);
  }
  return Object.fromEntries(entries) as WireEnvironment;
}

function parseRequest(value: unknown): HostRequest {
  const fields = object(value, 'A request');
  const method = fields.method;
  switch (method) {
    case 'list':
      return { method };
    case 'create':
    case 'getOrCreate':
      return { method, options: parseSessionOptions(fields.options), environment: optionalEnvironment(fields) };
    case 'attach':
      return { method, sessionId: sessionId(fields), environment: optionalEnvironment(fields) };
    case 'close':
    case 'detach':
    case 'pause':
    case 'resume':
    case 'clearReplay':
    case 'screen':
    case 'screenText':
    case 'watchOutput':
    case 'unwatchOutput':
    case 'clearAttention':
      return { method, sessionId: sessionId(fields) };
    case 'resize':
      return { method, sessionId: sessionId(fields), cols: integer(fields, 'cols', 1, MessageLimits.maxCols), rows: integer(fields, 'rows', 1, MessageLimits.maxRows) };
    case 'signal': {
      const signal = fields.signal;
      if (!SIGNAL_NAMES.includes(signal as SignalName)) {
        throw new MessageError('invalid-field', `"signal" must be one of ${SIGNAL_NAMES.join(', ')}.`);
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
          maxSessions: optionalInteger(settings, 'maxSessions', 1, SessionSettingLimits.maxSessions),
          transcriptMaxBytes: optionalInteger(settings, 'transcriptMaxBytes', 0, SessionSettingLimits.maxTranscriptBytes),
          transcriptRetentionMs: optionalInteger(settings, 'transcriptRetentionMs', 0, SessionSettingLimits.maxTranscriptRetentionMs),
        },
      };
    }
    default:
      throw new MessageError('unknown-method', `Unknown request method ${JSON.stringify(method)?.slice(0, 80)}.`);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('not-json', 'A control frame must hold JSON.');
  }
}

export function parseHello(payload: Buffer): HelloMessage {
  const fields = object(parseJson(payload), 'The hello message');
  if (fields.type !== 'hello') {
    throw new MessageError('unexpected-type', 'The first message must be a hello.');
  }
  return {
    type: 'hello',
    token: string(fields, 'token', MessageLimits.maxVersionChars),
    protocolVersion: integer(fields, 'protocolVersion'),
    clientVersion: string(fields, 'clientVersion', MessageLimits.maxVersionChars),
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
      throw new MessageError('unexpected-type', `Expected a request, got ${JSON.stringify(fields.type)?.slice(0, 80)}.`);
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

const isAttentionReason = kindGuard(['bell', 'notification', 'exit'] as const);

function optionalAttention(value: unknown): SessionAttention | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const fields = object(value, '"attention"');
  if (!isAttentionReason(fields.reason)) {
    throw new MessageError('invalid-field', `Unknown attention reason ${JSON.stringify(fields.reason)?.slice(0, 80)}.`);
  }
  // Sanitised by the host; again here, as this peer may be anything that found the socket.
  const message = optionalString(fields, 'message', MessageLimits.maxTextChars);
  return { reason: fields.reason, message: message === undefined ? undefined : sanitizeAttentionMessage(message), at: number(fields, 'at') };
}

function parseWireSession(value: unknown): WireSession {
  const fields = object(value, 'A session');
  const state = fields.state;
  if (state !== 'running' && state !== 'exited') {
    throw new MessageError('invalid-field', '"state" must be running or exited.');
  }
  return {
    handle: integer(fields, 'handle', 0, 0xffff_ffff),
    sessionId: sessionId(fields),
    milestoneId: string(fields, 'milestoneId', MessageLimits.maxOptionChars),
    title: string(fields, 'title', MessageLimits.maxOptionChars),
    pid: optionalInteger(fields, 'pid'),
    state,
    exitCode: optionalInteger(fields, 'exitCode', Number.MIN_SAFE_INTEGER),
    exitSignal: optionalInteger(fields, 'exitSignal'),
    exitedAt: optionalNumber(fields, 'exitedAt'),
    attention: optionalAttention(fields.attention),
    activity: fields.activity === 'working' ? 'working' : 'idle',
    lastOutputAt: optionalNumber(fields, 'lastOutputAt'),
    createdAt: number(fields, 'createdAt'),
    lastActivity: number(fields, 'lastActivity'),
    attachedViews: integer(fields, 'attachedViews'),
    replayBytes: integer(fields, 'replayBytes'),
    cwd: optionalString(fields, 'cwd', MessageLimits.maxOptionChars),
    command: string(fields, 'command', MessageLimits.maxOptionChars),
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
        hostVersion: string(fields, 'hostVersion', MessageLimits.maxVersionChars),
        hostPid: integer(fields, 'hostPid'),
        heartbeatIntervalMs: integer(fields, 'heartbeatIntervalMs', MessageLimits.minHeartbeatIntervalMs, MessageLimits.maxHeartbeatIntervalMs),
      };
    case 'heartbeat':
      return { type: 'heartbeat' };
    case 'response': {
      const id = integer(fields, 'id');
      if (fields.ok === true) {
        return { type: 'response', id, ok: true, result: fields.result };
      }
      const error = object(fields.error, '"error"');
      if (!isWireErrorKind(error.kind)) {
        throw new MessageError('invalid-field', `Unknown error kind ${JSON.stringify(error.kind)?.slice(0, 80)}.`);
      }
      return { type: 'response', id, ok: false, error: { kind: error.kind, message: string(error, 'message') } };
    }
    case 'event': {
      const event = fields.event;
      if (!isSessionEventKind(event)) {
        throw new MessageError('invalid-field', `Unknown event ${JSON.stringify(event)?.slice(0, 80)}.`);
      }
      return { type: 'event', event, session: parseWireSession(fields.session) };
    }
    default:
      throw new MessageError('unexpected-type', `Unknown host message ${JSON.stringify(fields.type)?.slice(0, 80)}.`);
  }
}

/** Checks a response's result against its method before a proxy relies on it. */
export function parseResult<M extends HostMethod>(method: M, value: unknown): HostResults[M] {
  const fields = object(value ?? {}, 'A result');
  switch (method) {
    case 'list': {
      if (!Array.isArray(fields.sessions)) {
        throw new MessageError('invalid-field', '"sessions" must be an array.');
      }
      return { sessions: fields.sessions.map(parseWireSession) } as HostResults[M];
    }
    case 'create':
      return { session: parseWireSession(fields.session) } as HostResults[M];
    case 'getOrCreate':
      if (typeof fields.created !== 'boolean') {
        throw new MessageError('invalid-field', '"created" must be a boolean.');
      }
      return { session: parseWireSession(fields.session), created: fields.created } as HostResults[M];
    case 'close':
      if (typeof fields.closed !== 'boolean') {
        throw new MessageError('invalid-field', '"closed" must be a boolean.');
      }
      return { closed: fields.closed } as HostResults[M];
    case 'screen': {
      const cols = optionalInteger(fields, 'cols', 1, MessageLimits.maxCols);
      const rows = optionalInteger(fields, 'rows', 1, MessageLimits.maxRows);
      return { screen: string(fields, 'screen', Number.MAX_SAFE_INTEGER), ...(cols !== undefined && rows !== undefined ? { cols, rows } : {}) } as HostResults[M];
    }
    case 'screenText': {
      const lines = fields.lines;
      if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
        throw new MessageError('invalid-field', '"lines" must be an array of strings.');
      }
      return { lines } as HostResults[M];
    }
    default:
      return {} as HostResults[M];
  }
}

export function parseReject(payload: Buffer): RejectMessage {
  const fields = object(parseJson(payload), 'A reject message');
  const reason = fields.reason;
  if (!isRejectReason(reason)) {
    throw new MessageError('invalid-field', `Unknown reject reason ${JSON.stringify(reason)?.slice(0, 80)}.`);
  }
  return { reason, message: string(fields, 'message'), protocolVersion: integer(fields, 'protocolVersion') };
}
