/** Unit tests for the graph view's layout (graphLayout.ts) with the real dagre. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { edgePath, layoutGraph, type Dagre, type GraphCandidate, type GraphData, type GraphGroup, type GraphNode } from '../src/graphLayout';

const dagre = require('@dagrejs/dagre') as Dagre;

function node(id: string, wave: number | null, onCriticalPath = false): GraphNode {
  return { id, description: null, status: null, statusText: null, changedSince: false, wave, onCriticalPath, range: null };
}

// a -> b -> d -> e, a -> c -> d, and x alone: waves a x | b c | d | e.
const DIAMOND: GraphData = {
  uri: 'file:///w.workstream.json',
  workstreamId: 'ws',
  version: 1,
  nodes: [node('a', 1, true), node('b', 2, true), node('c', 2), node('d', 3, true), node('e', 4, true), node('x', 1)],
  edges: [
    { from: 'a', to: 'b', critical: true },
    { from: 'a', to: 'c', critical: false },
    { from: 'b', to: 'd', critical: true },
    { from: 'c', to: 'd', critical: false },
    { from: 'd', to: 'e', critical: true },
  ],
  waves: 4,
  criticalPath: ['a', 'b', 'd', 'e'],
  activeRun: null,
};

const measure = (text: string) => text.length * 8;

/** DIAMOND's centres as laid out before groups and candidates were drawn. */
const EXPECTED = [['a', 77, 95], ['b', 263, 127], ['c', 263, 63], ['d', 449, 95], ['e', 635, 95], ['x', 77, 159]];

describe('layoutGraph', () => {
  const layout = layoutGraph(dagre, DIAMOND, measure);
  const at = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p]));

  it('places every step, left to right by wave, one column per wave', () => {
    assert.deepEqual(layout.nodes.map((p) => p.node.id), ['a', 'b', 'c', 'd', 'e', 'x']);
    assert.ok(at.a.x < at.b.x && at.b.x < at.d.x && at.d.x < at.e.x);
    assert.equal(at.b.x, at.c.x, 'b and c share wave 2');
    assert.deepEqual(layout.waves.map((w) => w.wave), [1, 2, 3, 4]);
    for (let i = 1; i < layout.waves.length; i++) assert.ok(layout.waves[i - 1].right < layout.waves[i].left, 'columns do not overlap');
  });

  it('keeps nodes apart and inside the drawing', () => {
    const boxes = layout.nodes.map((p) => [p.x - p.width / 2, p.y - p.height / 2, p.x + p.width / 2, p.y + p.height / 2]);
    for (const [x0, y0, x1, y1] of boxes) assert.ok(x0 >= 0 && y0 >= 0 && x1 <= layout.width && y1 <= layout.height);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `nodes ${i} and ${j} overlap`);
      }
    }
  });

  it('routes each edge from its dependency to its dependent', () => {
    assert.equal(layout.edges.length, 5);
    for (const { edge, points } of layout.edges) {
      assert.ok(points.length >= 2, `${edge.from} -> ${edge.to} has points`);
      assert.ok(points[0].x < points[points.length - 1].x, `${edge.from} -> ${edge.to} goes right`);
    }
    assert.match(edgePath([{ x: 1, y: 2 }, { x: 3.25, y: 4 }]), /^M1\.0,2\.0 L3\.3,4\.0$|^M1\.0,2\.0 L3\.2,4\.0$/);
  });

  it('widens a node for a long id, and lays out a cycle (no waves)', () => {
    const long = layoutGraph(dagre, { ...DIAMOND, nodes: [node('a-very-long-step-identifier', 1)], edges: [] }, measure);
    assert.ok(long.nodes[0].width >= 'a-very-long-step-identifier'.length * 8);
    const cycle = layoutGraph(dagre, {
      ...DIAMOND,
      nodes: [node('p', null), node('q', null)],
      edges: [{ from: 'p', to: 'q', critical: false }, { from: 'q', to: 'p', critical: false }],
      waves: 0,
      criticalPath: [],
    }, measure);
    assert.equal(cycle.nodes.length, 2);
    assert.deepEqual(cycle.waves, []);
  });
});

function candidates(count: number, selected = 0): GraphCandidate[] {
  return Array.from({ length: count }, (_, i) => ({
    n: i + 1, label: `approach ${i + 1}`, status: i < 2 ? 'succeeded' : null, score: i < 2 ? 0.5 + i : null, selected: i + 1 === selected, branch: null,
  }));
}

function boxOf(p: { x: number; y: number; width: number; height: number }): [number, number, number, number] {
  return [p.x - p.width / 2, p.y - p.height / 2, p.x + p.width / 2, p.y + p.height / 2];
}

const inside = (inner: number[], outer: number[]) => inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
const apart = (a: number[], b: number[]) => a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];

describe('layoutGraph with groups and candidates', () => {
  const group = (id: string, kind: GraphGroup['kind'], steps: string[], execute: GraphGroup['execute'] = 'parallel', maxWorkers: number | null = null): GraphGroup =>
    ({ id, kind, steps, execute, maxWorkers });

  it('draws a step group as a cluster around its steps, clear of the others, waves still columns', () => {
    const data: GraphData = { ...DIAMOND, groups: [group('group-utils', 'step_group', ['b', 'd'], 'sequential', 2)] };
    const layout = layoutGraph(dagre, data, measure);
    assert.equal(layout.clusters.length, 1);
    const [cluster] = layout.clusters;
    assert.equal(cluster.label, 'group-utils · sequential · max 2');
    assert.ok(cluster.laidOut);
    const box = [cluster.x, cluster.y, cluster.x + cluster.width, cluster.y + cluster.height];
    for (const p of layout.nodes) {
      if (['b', 'd'].includes(p.node.id)) assert.ok(inside(boxOf(p), box), `${p.node.id} inside its cluster`);
      else assert.ok(apart(boxOf(p), box), `${p.node.id} outside the cluster`);
    }
    assert.ok(box[0] >= 0 && box[1] >= 0 && box[2] <= layout.width && box[3] <= layout.height, 'the cluster is inside the drawing');
    const at = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p]));
    assert.equal(at.b.x, at.c.x, 'b and c still share wave 2');
    for (let i = 1; i < layout.waves.length; i++) assert.ok(layout.waves[i - 1].right < layout.waves[i].left, 'columns do not overlap');
  });

  it('keeps a group that would pull a step out of its wave as a box only, and a step in two groups in its step group', () => {
    // x (wave 1, nothing after it) would be dragged into wave 2 next to c in a dagre cluster.
    const data: GraphData = {
      ...DIAMOND,
      groups: [group('g', 'step_group', ['b', 'd'], 'sequential', null), group('parallel_group 1', 'parallel_group', ['b', 'c', 'x'])],
    };
    const layout = layoutGraph(dagre, data, measure);
    const [steps, parallel] = layout.clusters;
    assert.equal(steps.label, 'g · sequential');
    assert.equal(parallel.label, 'parallel group 1');
    assert.ok(steps.laidOut);
    assert.ok(!parallel.laidOut);
    const at = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p]));
    assert.equal(at.x.x, at.a.x, 'x stays in wave 1');
    const box = [parallel.x, parallel.y, parallel.x + parallel.width, parallel.y + parallel.height];
    for (const id of ['b', 'c', 'x']) assert.ok(inside(boxOf(at[id]), box), `${id} inside the parallel group's box`);
  });

  it('grows a step with candidates, one row per candidate inside it', () => {
    const data: GraphData = { ...DIAMOND, nodes: DIAMOND.nodes.map((n) => (n.id === 'c' ? { ...n, candidates: candidates(3, 2) } : n)) };
    const layout = layoutGraph(dagre, data, measure);
    const at = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p]));
    assert.ok(at.c.height > at.b.height + 3 * 16, 'c is taller than b by its three rows');
    assert.deepEqual(at.b.rows, []);
    assert.deepEqual(at.c.rows.map((r) => r.candidate.n), [1, 2, 3]);
    let previous = -Infinity;
    for (const row of at.c.rows) {
      assert.ok(row.x >= 0 && row.y >= 36 && row.x + row.width <= at.c.width && row.y + row.height <= at.c.height, `row ${row.candidate.n} inside its step, below the id and status`);
      assert.ok(row.y >= previous, 'rows top to bottom, apart');
      previous = row.y + row.height;
    }
    const boxes = layout.nodes.map(boxOf);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert.ok(apart(boxes[i], boxes[j]), `nodes ${i} and ${j} overlap`);
  });

  it('lays out a graph without groups as before (an older server sends none)', () => {
    const without = layoutGraph(dagre, DIAMOND, measure);
    const empty = layoutGraph(dagre, { ...DIAMOND, groups: [] }, measure);
    assert.deepEqual(empty, without);
    assert.deepEqual(without.clusters, []);
    // The positions the layout had before groups were drawn (dagre 3.1.3).
    assert.deepEqual(without.nodes.map((p) => [p.node.id, p.x, p.y]), EXPECTED);
  });
});
