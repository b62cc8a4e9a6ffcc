/**
 * The graph view's groups and candidates (webview only): a group's cluster, a rounded box with
 * its label behind its steps (`rect`/`text` in `g.cluster[data-group]`), and a step's
 * candidates, one row per candidate inside the step's box (`g.candidate[data-n]`, `selected`
 * for the chosen one) with its status mark (the lens's, runs.ts's ICONS), "#n label" and its
 * score.
 */
import { CLUSTER_LABEL, type CandidateRow, type PlacedCluster } from '../graphLayout';
import { ICONS } from '../runs';
import { element, fit, text } from './svg';

const LABEL_FONT = '11px';
const ROW_FONT = '11px';

export function drawCluster(svg: SVGSVGElement, cluster: PlacedCluster): void {
  const { group } = cluster;
  const box = element('g', {
    class: `cluster ${group.kind.replace('_', '-')}${cluster.laidOut ? '' : ' overlay'}`,
    'data-group': group.id,
    'data-kind': group.kind,
  }, svg);
  const steps = group.steps.join(', ');
  element('title', {}, box).textContent = `${cluster.label}\n${steps}${cluster.laidOut ? '' : '\n(not kept together in the layout: the box only spans its steps)'}`;
  element('rect', { class: 'cluster-box', x: cluster.x, y: cluster.y, width: cluster.width, height: cluster.height, rx: 10 }, box);
  text(box, fit(cluster.label, cluster.width - 16, LABEL_FONT), {
    class: 'cluster-label',
    x: cluster.x + 8,
    y: cluster.y + CLUSTER_LABEL / 2 + 6,
  });
}

function score(value: number | null): string {
  if (value == null) return '';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** A step's candidate rows, inside `node` (the step's `g`, its origin the box's corner). */
export function drawCandidates(node: SVGGElement, rows: CandidateRow[]): void {
  for (const row of rows) {
    const { candidate } = row;
    const group = element('g', {
      class: `candidate${candidate.selected ? ' selected' : ''}`,
      'data-n': candidate.n,
      'data-status': candidate.status ?? 'none',
      transform: `translate(${row.x},${row.y})`,
    }, node);
    const outcome = candidate.status ? `${candidate.status}${candidate.score != null ? `, score ${score(candidate.score)}` : ''}` : 'not run yet';
    const title = [`candidate ${candidate.n}: ${candidate.label}`, outcome, candidate.selected ? 'selected' : '', candidate.branch ? `branch ${candidate.branch}` : '']
      .filter(Boolean).join('\n');
    element('title', {}, group).textContent = title;
    element('rect', { class: 'candidate-box', width: row.width, height: row.height, rx: 4 }, group);
    const middle = row.height / 2 + 4;
    text(group, candidate.status ? (ICONS as Record<string, string>)[candidate.status] ?? '?' : '', { class: 'candidate-mark', x: 10, y: middle, 'text-anchor': 'middle' });
    const shown = score(candidate.score);
    const scoreWidth = shown ? shown.length * 7 + 8 : 0;
    text(group, fit(`#${candidate.n} ${candidate.label}`, row.width - 26 - scoreWidth, ROW_FONT), { class: 'candidate-label', x: 20, y: middle });
    if (shown) text(group, shown, { class: 'candidate-score', x: row.width - 6, y: middle, 'text-anchor': 'end' });
  }
}
