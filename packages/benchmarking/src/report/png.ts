/**
 * SVG to PNG with resvg (prebuilt binaries, no native build). Fonts: DejaVu Sans from Debian's fonts-dejavu-core
 * when it is there (loading one file is much faster than scanning every system font), else the system's fonts.
 */
import { existsSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';

const DEJAVU = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];

/**
 * Renders on libuv's thread pool (resvg's renderAsync), not the event loop: a report's PNGs render at once on every
 * core, where one after the other on the main thread they were the runner's longest step after the cases.
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const files = DEJAVU.filter((f) => existsSync(f));
  const font = files.length > 0 ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  return (await renderAsync(svg, { background: 'white', font })).asPng();
}
