/** Unit tests for the graph view's layout (graphLayout.ts) with the real dagre. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { edgePath, layoutGraph, type Dagre, type GraphData, type GraphNode } from '../src/graphLayout';

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
