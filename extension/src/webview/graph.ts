/**
 * The graph view's page (runs inside the webview, bundled with dagre into dist/graph.js): draws
 * the server's graph as SVG, one `g.node[data-step]` per step carrying its id as text, coloured
 * by its status, the waves as columns, the critical path in its own colour; a click on a node
 * asks the extension to reveal the step, its ▶ button to run it. Groups are drawn as clusters
 * behind their steps, a step's candidates as rows inside it (graphParts.ts). Colours come from
 * the theme's CSS variables (graph.css).
 */
import dagre from '@dagrejs/dagre';
import { BUTTON_WIDTH, HEADER, NODE_HEIGHT, edgePath, layoutGraph, type GraphData, type Layout, type PlacedNode } from '../graphLayout';
import { drawCandidates, drawCluster } from './graphParts';
import { element, fit, measure, text } from './svg';
import './graph.css';

interface WebviewApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): WebviewApi;

const api = acquireVsCodeApi();
const ID_FONT = '600 13px';
const STATUS_FONT = '12px';
const STATUSES = ['succeeded', 'running', 'queued', 'failed', 'skipped', 'cancelled'];

function drawNode(svg: SVGSVGElement, placed: PlacedNode): void {
  const { node, width, height } = placed;
  const group = element('g', {
    class: `node${node.onCriticalPath ? ' critical' : ''}${node.changedSince ? ' changed' : ''}`,
    'data-step': node.id,
    'data-status': node.status ?? 'none',
    transform: `translate(${(placed.x - width / 2).toFixed(1)},${(placed.y - height / 2).toFixed(1)})`,
    tabindex: 0,
    role: 'button',
  }, svg);
  const title = [node.id, node.description, node.statusText ?? 'not run yet', node.onCriticalPath ? 'on the critical path' : '']
    .filter(Boolean).join('\n');
  element('title', {}, group).textContent = title;
  element('rect', { class: 'box', width, height, rx: 6 }, group);
  if (node.onCriticalPath) element('rect', { class: 'critical-mark', width: 5, height, rx: 2 }, group);
  text(group, node.id, { class: 'step-id', x: 13, y: 19 });
  const status = node.statusText ?? 'not run yet';
  text(group, fit(status, width - BUTTON_WIDTH - 20, STATUS_FONT), { class: 'status-text', x: 13, y: 36 });
  const button = element('g', { class: 'run-button', transform: `translate(${width - BUTTON_WIDTH + 2},${NODE_HEIGHT / 2 - 11})`, role: 'button', tabindex: 0 }, group);
  element('title', {}, button).textContent = `Run step ${node.id} (with the dependencies it still needs)`;
  element('rect', { width: 22, height: 22, rx: 4 }, button);
  element('path', { d: 'M8 6 L16 11 L8 16 Z' }, button);
  const run = (event: Event) => {
    event.stopPropagation();
    api.postMessage({ type: 'run', id: node.id });
  };
  button.addEventListener('click', run);
  button.addEventListener('keydown', (event) => (event.key === 'Enter' || event.key === ' ') && run(event));
  drawCandidates(group, placed.rows);
  group.addEventListener('click', () => api.postMessage({ type: 'reveal', id: node.id }));
  group.addEventListener('keydown', (event) => event.key === 'Enter' && api.postMessage({ type: 'reveal', id: node.id }));
}

function drawGraph(data: GraphData, layout: Layout): SVGSVGElement {
  const svg = element('svg', { width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, 'aria-label': `Graph of ${data.workstreamId}` });
  const defs = element('defs', {}, svg);
  for (const id of ['arrow', 'arrow-critical']) {
    const marker = element('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, defs);
    element('path', { d: 'M0,0 L10,5 L0,10 z', class: id }, marker);
  }
  for (const column of layout.waves) {
    const left = column.left - 10;
    const width = column.right - column.left + 20;
    element('rect', { class: `wave-band${column.wave % 2 ? ' odd' : ''}`, x: left, y: 4, width, height: layout.height - 8, rx: 8 }, svg);
    text(svg, `wave ${column.wave}`, { class: 'wave-label', x: left + width / 2, y: 4 + HEADER / 2 + 4, 'text-anchor': 'middle' });
  }
  layout.clusters.forEach((cluster) => drawCluster(svg, cluster));
  for (const placed of layout.edges) {
    const critical = placed.edge.critical;
    element('path', {
      class: `edge${critical ? ' critical' : ''}`,
      d: edgePath(placed.points),
      'marker-end': `url(#${critical ? 'arrow-critical' : 'arrow'})`,
      'data-from': placed.edge.from,
      'data-to': placed.edge.to,
    }, svg);
  }
  layout.nodes.forEach((placed) => drawNode(svg, placed));
  return svg;
}

function summary(data: GraphData): string {
  const steps = `${data.nodes.length} step${data.nodes.length === 1 ? '' : 's'}`;
  const waves = data.waves ? ` · ${data.waves} wave${data.waves === 1 ? '' : 's'}` : ' · a dependency cycle: no waves';
  const path = data.criticalPath.length > 1 ? ` · critical path: ${data.criticalPath.join(' → ')}` : '';
  return `${data.workstreamId || '(no id)'} · ${steps}${waves}${path}${data.activeRun ? ' · running' : ''}`;
}

function legend(): HTMLElement {
  const box = document.createElement('div');
  box.className = 'legend';
  for (const status of [...STATUSES, 'none', 'critical']) {
    const item = document.createElement('span');
    item.className = `legend-item ${status}`;
    item.dataset.status = status;
    item.textContent = status === 'none' ? 'not run' : status === 'critical' ? 'critical path' : status;
    box.appendChild(item);
  }
  return box;
}

function render(data: GraphData): void {
  const header = document.getElementById('header')!;
  header.textContent = summary(data);
  document.body.dataset.running = data.activeRun ? 'true' : 'false';
  const layout = layoutGraph(dagre, data, (id) => measure(id, ID_FONT));
  const holder = document.getElementById('graph')!;
  holder.replaceChildren(data.nodes.length ? drawGraph(data, layout) : Object.assign(document.createElement('p'), { textContent: 'No steps yet.' }));
  document.getElementById('error')!.textContent = '';
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data as { type: string; data?: GraphData; message?: string };
  if (message.type === 'graph' && message.data) render(message.data);
  if (message.type === 'error') document.getElementById('error')!.textContent = message.message ?? '';
});
document.getElementById('legend')!.replaceWith(legend());
api.postMessage({ type: 'ready' });
