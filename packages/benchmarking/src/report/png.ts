/**
 * SVG to PNG with resvg (prebuilt binaries, no native build). Fonts: DejaVu Sans from Debian's fonts-dejavu-core
 * when it is there (loading one file is much faster than scanning every system font), else the system's fonts.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const DEJAVU = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];

export function svgToPng(svg: string): Buffer {
  const files = DEJAVU.filter((f) => existsSync(f));
  const font = files.length > 0 ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  return new Resvg(svg, { background: 'white', font }).render().asPng();
}
