/**
 * Draws the Teams app icons, `manifest/color.png` (192×192) and `manifest/outline.png` (32×32),
 * from the shapes below, so they can be regenerated after a design change:
 *
 *     npm run manifest:icons
 *
 * The glyph is a runsheet: two rows ticked off and a third still pending (a ring), each with its
 * line. Teams wants the colour icon full colour (here: white glyph on the accent colour, full
 * bleed, the glyph in the central 96×96 as Microsoft's icon guidance asks) and the outline icon
 * white on transparent, cropped tight to the symbol. Edges are anti-aliased by supersampling; the
 * outline icon's anti-aliasing is in the alpha channel only, so every visible pixel stays pure white.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pngjs from 'pngjs';
import { isMainModule, manifestDir } from './paths.js';

const { PNG } = pngjs;

/** The accent colour of the app: the manifest's `accentColor` and the colour icon's background. */
export const ACCENT_COLOR = '#1E5B8C';

interface Point {
  readonly x: number;
  readonly y: number;
}

/** A shape as a signed distance: negative inside, positive outside, in glyph units. */
type Shape = (p: Point) => number;

/** A stroke from `a` to `b` with round caps, `width` thick. */
function stroke(a: Point, b: Point, width: number): Shape {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSquared = dx * dx + dy * dy;
  return (p) => {
    const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared));
    return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy)) - width / 2;
  };
}

/** A ring around `center`, its centre line at `radius`, `width` thick. */
function ring(center: Point, radius: number, width: number): Shape {
  return (p) => Math.abs(Math.hypot(p.x - center.x, p.y - center.y) - radius) - width / 2;
}

/**
 * The glyph on a 32×32 grid (the outline icon's pixels): rows centred on half pixels so that the
 * 3-unit lines cover whole pixels at 32×32 and stay crisp.
 */
function glyph(): Shape[] {
  const line = 3;
  const rows = [6.5, 16.5, 26.5];
  const shapes: Shape[] = [];
  rows.forEach((y, index) => {
    if (index < rows.length - 1) {
      // A tick: a short arm down to the knee, a long arm up to the right.
      const knee = { x: 5.5, y: y + 2.5 };
      shapes.push(stroke({ x: 2.5, y: y - 0.25 }, knee, 2.75), stroke(knee, { x: 10.5, y: y - 3 }, 2.75));
    } else {
      shapes.push(ring({ x: 6.5, y }, 3.1, 2.2));
    }
    shapes.push(stroke({ x: 15.5, y }, { x: 29.5, y }, line));
  });
  return shapes;
}

/**
 * The share of each pixel the glyph covers (0..1), sampled `samples`² times per pixel, with the
 * 32-unit glyph box scaled by `scale` and moved by `offset` pixels.
 */
function coverage(size: number, scale: number, offset: number, samples: number): Float64Array {
  const shapes = glyph();
  const result = new Float64Array(size * size);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let inside = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const p = {
            x: (px + (sx + 0.5) / samples - offset) / scale,
            y: (py + (sy + 0.5) / samples - offset) / scale,
          };
          if (shapes.some((shape) => shape(p) <= 0)) inside++;
        }
      }
      result[py * size + px] = inside / (samples * samples);
    }
  }
  return result;
}

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function encode(size: number, pixel: (index: number) => [number, number, number, number]): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    const [r, g, b, a] = pixel(i);
    png.data[i * 4] = r;
    png.data[i * 4 + 1] = g;
    png.data[i * 4 + 2] = b;
    png.data[i * 4 + 3] = a;
  }
  return PNG.sync.write(png, { colorType: 6, deflateLevel: 9 });
}

/** The two icons as PNG files: the colour icon (192×192) and the outline icon (32×32). */
export function renderIcons(): { color: Buffer; outline: Buffer } {
  // Colour: 192 px, the 32-unit glyph scaled 3× (96 px) and centred, white over the accent colour.
  const [r, g, b] = hexToRgb(ACCENT_COLOR);
  const colorCoverage = coverage(192, 3, 48, 4);
  const blend = (background: number, share: number) => Math.round(background + (255 - background) * share);
  const color = encode(192, (i) => {
    const share = colorCoverage[i] ?? 0;
    return [blend(r, share), blend(g, share), blend(b, share), 255];
  });
  // Outline: 32 px, one glyph unit per pixel, white with the coverage as alpha.
  const outlineCoverage = coverage(32, 1, 0, 8);
  const outline = encode(32, (i) => [255, 255, 255, Math.round((outlineCoverage[i] ?? 0) * 255)]);
  return { color, outline };
}

function main(): void {
  const { color, outline } = renderIcons();
  const dir = manifestDir();
  writeFileSync(path.join(dir, 'color.png'), color);
  writeFileSync(path.join(dir, 'outline.png'), outline);
  console.log(`wrote ${path.join(dir, 'color.png')} (192×192) and ${path.join(dir, 'outline.png')} (32×32)`);
}

if (isMainModule(import.meta.url)) main();
