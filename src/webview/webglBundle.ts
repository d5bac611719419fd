/**
 * Built on its own as dist/webgl.js, which the page carries only while
 * terminal.integrated.gpuAcceleration may use WebGL: the addon is a third of the page's code,
 * compiled on every open otherwise. It hands the addon to the page's main script (renderer.ts).
 */
import { WebglAddon } from '@xterm/addon-webgl';
import { WEBGL_ADDON_GLOBAL, type WebglAddonHolder } from './webglAddon';

(window as WebglAddonHolder)[WEBGL_ADDON_GLOBAL] = WebglAddon;
