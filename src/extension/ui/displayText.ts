import { normalizeMilestoneId } from '../sessions/milestoneId';

/**
 * Makes `$(name)` in user text (a milestone id, a title) show as written in labels that
 * draw icons, such as quick pick items: VS Code leaves `\$(name)` undrawn.
 */
export function escapeIcons(text: string): string {
  return text.replace(/\$\([\w-]+(?:~[\w-]+)?\)/g, (icon) => `\\${icon}`);
}

/**
 * For MarkdownString.appendText, which escapes Markdown syntax but not HTML character
 * references: without this, an id containing `&amp;` would show as `&`.
 */
export function escapeCharacterReferences(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Why `typed` cannot become a milestone id, or undefined when it can: for feedback while typing. */
export function milestoneIdProblem(typed: string): string | undefined {
  try {
    normalizeMilestoneId(typed);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
