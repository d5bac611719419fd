import type { ITheme } from '@xterm/xterm';

type ThemeKey = Exclude<keyof ITheme, 'extendedAnsi'>;

/** xterm theme keys and the VS Code colour variables that feed them. */
const THEME_VARIABLES: ReadonlyArray<readonly [ThemeKey, string]> = [
  ['cursor', '--vscode-terminalCursor-foreground'],
  ['cursorAccent', '--vscode-terminalCursor-background'],
  ['selectionBackground', '--vscode-terminal-selectionBackground'],
  ['selectionForeground', '--vscode-terminal-selectionForeground'],
  ['selectionInactiveBackground', '--vscode-terminal-inactiveSelectionBackground'],
  ['scrollbarSliderBackground', '--vscode-scrollbarSlider-background'],
  ['scrollbarSliderHoverBackground', '--vscode-scrollbarSlider-hoverBackground'],
  ['scrollbarSliderActiveBackground', '--vscode-scrollbarSlider-activeBackground'],
  ['black', '--vscode-terminal-ansiBlack'],
  ['red', '--vscode-terminal-ansiRed'],
  ['green', '--vscode-terminal-ansiGreen'],
  ['yellow', '--vscode-terminal-ansiYellow'],
  ['blue', '--vscode-terminal-ansiBlue'],
  ['magenta', '--vscode-terminal-ansiMagenta'],
  ['cyan', '--vscode-terminal-ansiCyan'],
  ['white', '--vscode-terminal-ansiWhite'],
  ['brightBlack', '--vscode-terminal-ansiBrightBlack'],
  ['brightRed', '--vscode-terminal-ansiBrightRed'],
  ['brightGreen', '--vscode-terminal-ansiBrightGreen'],
  ['brightYellow', '--vscode-terminal-ansiBrightYellow'],
  ['brightBlue', '--vscode-terminal-ansiBrightBlue'],
  ['brightMagenta', '--vscode-terminal-ansiBrightMagenta'],
  ['brightCyan', '--vscode-terminal-ansiBrightCyan'],
  ['brightWhite', '--vscode-terminal-ansiBrightWhite'],
];

/**
 * Builds an xterm theme from the CSS variables VS Code sets on the webview's root.
 * Colours a theme leaves out stay undefined so xterm uses its own defaults.
 */
export function readTerminalTheme(): ITheme {
  const style = getComputedStyle(document.documentElement);
  const read = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = style.getPropertyValue(name).trim();
      if (value) {
        return value;
      }
    }
    return undefined;
  };
  const theme: ITheme = {
    background: read('--vscode-terminal-background', '--vscode-editor-background'),
    foreground: read('--vscode-terminal-foreground', '--vscode-editor-foreground'),
  };
  for (const [key, variable] of THEME_VARIABLES) {
    theme[key] = read(variable);
  }
  theme.cursor ??= theme.foreground;
  return theme;
}

/** VS Code swaps the body's vscode-light/-dark/-high-contrast class when the theme changes. */
export function onThemeChange(listener: () => void): void {
  new MutationObserver(listener).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
