import type { WebglAddon } from '@xterm/addon-webgl';

/** Where dist/webgl.js leaves the WebGL addon for the page's main script. */
export const WEBGL_ADDON_GLOBAL = 'milestoneTerminalsWebglAddon';

export type WebglAddonHolder = Window & { [WEBGL_ADDON_GLOBAL]?: typeof WebglAddon };

/** The addon, if the page carries it. */
export function webglAddonClass(): typeof WebglAddon | undefined {
  return (window as WebglAddonHolder)[WEBGL_ADDON_GLOBAL];
}
