/**
 * The graph view's data and its layout, without VS Code or a DOM (the webview draws it, the
 * unit tests check it). The data is the server's `workstream.graphData` answer; the layout is
 * dagre's (a layered, left-to-right drawing), with each edge as long as the waves it spans, so
 * that each wave is one column. dagre is passed in: the webview imports its ES module (bundled
 * by esbuild), the unit tests require its CommonJS build.
 */

/** The dagre module (@dagrejs/dagre). */
export type Dagre = typeof import('@dagrejs/dagre', { with: { 'resolution-mode': 'import' } }).default;

export interface Position {
  line: number;
  character: number;
}

export interface GraphNode {
  id: string;
  description: string | null;
  /** The last or running status; null when the step never ran. */
  status: string | null;
  /** The status lens's text ("✓ 0.1 s", "✗ failed…"); null when it never ran. */
  statusText: string | null;
  changedSince: boolean;
  /** From 1; null in a graph with a cycle. */
  wave: number | null;
  onCriticalPath: boolean;
  range: { start: Position; end: Position } | null;
}

export interface GraphEdge {
  /** The dependency. */
  from: string;
  /** The step that depends on it. */
  to: string;
  critical: boolean;
}

/** The answer of the server's `workstream.graphData [uri]`. */
export interface GraphData {
  uri: string;
  workstreamId: string;
  version: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  waves: number;
  criticalPath: string[];
  activeRun: string | null;
}

export interface PlacedNode {
  node: GraphNode;
  /** The centre. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
}

export interface WaveColumn {
  wave: number;
  /** The left and right ends of its nodes. */
  left: number;
  right: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  waves: WaveColumn[];
}

export const NODE_HEIGHT = 46;
/** Room on a node's right for its ▶ button. */
export const BUTTON_WIDTH = 28;
const MIN_WIDTH = 130;
const PADDING = 14;
/** Above the nodes, for the wave labels. */
export const HEADER = 28;

/** Lays the graph out; `measure` gives a text's width in pixels (the step id's font). */
export function layoutGraph(dagre: Dagre, data: GraphData, measure: (text: string) => number): Layout {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: 12, marginy: 12 + HEADER });
  graph.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  for (const node of data.nodes) {
    const width = Math.max(MIN_WIDTH, Math.ceil(measure(node.id)) + 2 * PADDING + BUTTON_WIDTH);
    graph.setNode(node.id, { width, height: NODE_HEIGHT });
  }
  for (const edge of data.edges) {
    const from = byId.get(edge.from)?.wave;
    const to = byId.get(edge.to)?.wave;
    // As long as the waves it spans: every wave a column (dagre keeps edges at least minlen).
    const minlen = from != null && to != null && to > from ? to - from : 1;
    graph.setEdge(edge.from, edge.to, { minlen, weight: edge.critical ? 4 : 1 });
  }
  dagre.layout(graph);
  const nodes = data.nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    return { node, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const edges = data.edges.map((edge) => ({
    edge,
    points: ((graph.edge(edge.from, edge.to) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })),
  }));
  const columns = new Map<number, WaveColumn>();
  for (const placed of nodes) {
    const wave = placed.node.wave;
    if (wave == null) continue;
    const left = placed.x - placed.width / 2;
    const right = placed.x + placed.width / 2;
    const column = columns.get(wave);
    columns.set(wave, column ? { wave, left: Math.min(column.left, left), right: Math.max(column.right, right) } : { wave, left, right });
  }
  const size = graph.graph() as { width?: number; height?: number };
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes,
    edges,
    waves: [...columns.values()].sort((a, b) => a.wave - b.wave),
  };
}

/** An SVG path through the points of an edge (straight segments, as dagre routes them). */
export function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
