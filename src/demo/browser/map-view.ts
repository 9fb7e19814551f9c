import type { Poi } from '../../../clients/typescript/src';
import { type Lang, LABELS, poiName } from './i18n';
import { type LatLon, Projection } from './projection';

const SVG = 'http://www.w3.org/2000/svg';
/** Room for the hint above, the position and scale bar below, and the labels at the sides. */
const MARGINS = { top: 52, right: 30, bottom: 60, left: 30 };
const DOT_RADIUS = 5;

function svg<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number> = {},
) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * The map: the POIs drawn from their coordinates (their trigger radius to scale, a dot, a label placed
 * where it does not cover another), a 100 m grid and scale bar, and the visitor. A click on a POI or on
 * any point walks the visitor there and then tells `onArrive`.
 */
export class MapView {
  private readonly root = svg('svg', { class: 'map', role: 'img' });
  private pois: Poi[] = [];
  private lang: Lang = 'zh';
  private nearby = new Set<string>();
  private visitor: LatLon;
  /** The map is fitted to the POIs and the start, so that it stays still while the visitor walks. */
  private readonly start: LatLon;
  private projection: Projection | null = null;
  private walking: number | null = null;

  constructor(
    container: HTMLElement,
    start: LatLon,
    private readonly onArrive: (point: LatLon) => void,
  ) {
    this.visitor = start;
    this.start = start;
    container.appendChild(this.root);
    this.root.addEventListener('click', (event) => this.clicked(event));
    this.root.addEventListener('keydown', (event) => {
      const id = (event.target as Element).closest('[data-poi-id]')?.getAttribute('data-poi-id');
      if (id && (event.key === 'Enter' || event.key === ' ')) this.walkToPoi(id);
    });
    new ResizeObserver(() => this.render()).observe(container);
  }

  setPois(pois: Poi[]): void {
    this.pois = [...pois].sort((a, b) => b.radiusM - a.radiusM);
    this.render();
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    this.root.setAttribute('aria-label', LABELS[lang].mapLabel);
    this.render();
  }

  setNearby(poiIds: string[]): void {
    this.nearby = new Set(poiIds);
    this.render();
  }

  get position(): LatLon {
    return this.visitor;
  }

  walkToPoi(poiId: string): void {
    const poi = this.pois.find((p) => p.id === poiId);
    if (poi) this.walkTo({ lat: poi.lat, lon: poi.lon });
  }

  /** Moves the visitor there in a short animation, then tells onArrive. */
  walkTo(target: LatLon): void {
    if (this.walking !== null) cancelAnimationFrame(this.walking);
    const from = this.visitor;
    const pixels = this.projection ? this.distancePx(from, target) : 0;
    const duration = Math.min(1200, Math.max(300, pixels * 4));
    const started = performance.now();
    const step = (now: number) => {
      const t = Math.min(1, (now - started) / duration);
      const eased = t * (2 - t);
      this.visitor = {
        lat: from.lat + (target.lat - from.lat) * eased,
        lon: from.lon + (target.lon - from.lon) * eased,
      };
      this.drawVisitor();
      if (t < 1) this.walking = requestAnimationFrame(step);
      else {
        this.walking = null;
        this.onArrive(target);
      }
    };
    this.walking = requestAnimationFrame(step);
  }

  private distancePx(a: LatLon, b: LatLon): number {
    const p = this.projection!.toPixel(a);
    const q = this.projection!.toPixel(b);
    return Math.hypot(p.x - q.x, p.y - q.y);
  }

  private clicked(event: MouseEvent): void {
    const id = (event.target as Element).closest('[data-poi-id]')?.getAttribute('data-poi-id');
    if (id) return this.walkToPoi(id);
    if (!this.projection) return;
    const box = this.root.getBoundingClientRect();
    this.walkTo(this.projection.toLatLon(event.clientX - box.left, event.clientY - box.top));
  }

  private render(): void {
    const width = this.root.clientWidth || this.root.parentElement?.clientWidth || 0;
    const height = this.root.clientHeight || this.root.parentElement?.clientHeight || 0;
    this.root.replaceChildren();
    if (this.pois.length === 0 || width === 0 || height === 0) return;
    this.root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.projection = new Projection([...this.pois, this.start], width, height, MARGINS);
    this.drawGrid(width, height);
    const dots: Box[] = [];
    const groups = this.pois.map((poi) => {
      const { x, y } = this.projection!.toPixel(poi);
      dots.push({ x: x - DOT_RADIUS, y: y - DOT_RADIUS, width: 2 * DOT_RADIUS, height: 2 * DOT_RADIUS });
      return this.drawPoi(poi, x, y);
    });
    this.placeLabels(groups, dots, width, height);
    this.root.appendChild(svg('g', { class: 'visitor-layer' }));
    this.drawVisitor();
  }

  private drawGrid(width: number, height: number): void {
    const grid = svg('g', { class: 'grid' });
    const step = this.projection!.pixels(100);
    for (let x = step / 2; x < width; x += step)
      grid.appendChild(svg('line', { x1: x, y1: 0, x2: x, y2: height }));
    for (let y = step / 2; y < height; y += step)
      grid.appendChild(svg('line', { x1: 0, y1: y, x2: width, y2: y }));
    const scale = svg('g', { class: 'scale', transform: `translate(12 ${height - 14})` });
    scale.appendChild(svg('path', { d: `M0 -5 V0 H${step} V-5` }));
    const label = svg('text', { x: step + 6, y: 0 });
    label.textContent = LABELS[this.lang].scale;
    scale.appendChild(label);
    const north = svg('g', { class: 'north', transform: `translate(${width - 18} 22)` });
    north.appendChild(svg('path', { d: 'M0 -12 L6 4 L0 0 L-6 4 Z' }));
    const n = svg('text', { x: 0, y: 17 });
    n.textContent = 'N';
    north.appendChild(n);
    this.root.append(grid, scale, north);
  }

  private drawPoi(poi: Poi, x: number, y: number): SVGGElement {
    const name = poiName(poi.name, this.lang);
    const group = svg('g', {
      class: `poi${this.nearby.has(poi.id) ? ' near' : ''}`,
      'data-poi-id': poi.id,
      tabindex: 0,
      role: 'button',
      'aria-label': name,
    });
    const title = svg('title');
    title.textContent = name;
    group.append(
      title,
      svg('circle', { class: 'radius', cx: x, cy: y, r: Math.max(this.projection!.pixels(poi.radiusM), 8) }),
      svg('circle', { class: 'dot', cx: x, cy: y, r: DOT_RADIUS }),
    );
    const label = svg('text', { class: 'label', x, y });
    label.textContent = name;
    group.appendChild(label);
    this.root.appendChild(group);
    return group;
  }

  /** The overlays on the map (hint, position, scale, north arrow), in the map's pixels. */
  private overlays(): Box[] {
    const origin = this.root.getBoundingClientRect();
    const nodes = [...(this.root.parentElement?.querySelectorAll('.hint, .where') ?? [])];
    const boxes: Box[] = nodes
      .map((node) => node.getBoundingClientRect())
      .filter((rect) => rect.width > 0)
      .map((rect) => ({
        x: rect.left - origin.left,
        y: rect.top - origin.top,
        width: rect.width,
        height: rect.height,
      }));
    for (const mark of this.root.querySelectorAll<SVGGraphicsElement>('.scale, .north')) {
      const rect = mark.getBoundingClientRect();
      boxes.push({
        x: rect.left - origin.left - 4,
        y: rect.top - origin.top - 4,
        width: rect.width + 8,
        height: rect.height + 8,
      });
    }
    return boxes;
  }

  /** Greedy: each label (largest POIs first) takes the first side where it covers no dot, label or overlay. */
  private placeLabels(groups: SVGGElement[], dots: Box[], width: number, height: number): void {
    const taken: Box[] = this.overlays();
    const gap = DOT_RADIUS + 4;
    for (const group of groups) {
      const label = group.querySelector('text.label') as SVGTextElement;
      const x = Number(label.getAttribute('x'));
      const y = Number(label.getAttribute('y'));
      const sides: Array<[number, number, string]> = [
        [gap, 4, 'start'],
        [-gap, 4, 'end'],
        [0, -gap - 2, 'middle'],
        [0, gap + 11, 'middle'],
      ];
      const fits = sides.some(([dx, dy, anchor]) => {
        label.setAttribute('x', String(x + dx));
        label.setAttribute('y', String(y + dy));
        label.setAttribute('text-anchor', anchor);
        const box = label.getBBox();
        const inside =
          box.x >= 2 && box.y >= 2 && box.x + box.width <= width - 2 && box.y + box.height <= height - 2;
        if (!inside || [...dots, ...taken].some((other) => overlaps(box, other))) return false;
        taken.push(box);
        return true;
      });
      if (!fits) label.classList.add('crowded');
    }
  }

  private drawVisitor(): void {
    const layer = this.root.querySelector('.visitor-layer');
    if (!layer || !this.projection) return;
    const { x, y } = this.projection.toPixel(this.visitor);
    const you = svg('g', { class: 'visitor', transform: `translate(${x} ${y})` });
    const title = svg('title');
    title.textContent = LABELS[this.lang].you;
    you.append(title, svg('circle', { class: 'halo', r: 14 }), svg('circle', { class: 'me', r: 7 }));
    layer.replaceChildren(you);
  }
}
