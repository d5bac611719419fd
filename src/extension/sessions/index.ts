/** The session core: plain Node, no vscode import (see tsconfig.json here). */
export * from './api';
export * from './attention';
export * from './errors';
export * from './escapeSequences';
export * from './lifecycle';
export * from './milestoneId';
export * from './nativePty';
export * from './ptyProcess';
export * from './replayBuffer';
export * from './session';
export * from './sessionManager';
export * from './plainText';
