/** SVG to PNG with resvg (prebuilt binaries, no native build), fonts from the system (Debian's fonts-dejavu-core). */
import { Resvg } from '@resvg/resvg-js';

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
