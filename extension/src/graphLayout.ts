/**
 * The graph view's data and its layout, without VS Code or a DOM (the webview draws it, the
 * unit tests check it). The data is the server's `workstream.graphData` answer; the layout is
 * dagre's (a layered, left-to-right drawing), with each edge as long as the waves it spans, so
 * that each wave is one column. dagre is passed in: the webview imports its ES module (bundled
 * by esbuild), the unit tests require its CommonJS build.
 *
 * Groups (`step_groups` entries and `parallel_group` numbers) are laid out as dagre clusters
 * (a compound graph), so that a group's steps stay together and its box can be drawn behind them;
 * a step with candidates is taller, with one row per candidate inside it.
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
  /** The step's candidates (empty or absent without; absent from older servers). */
  candidates?: GraphCandidate[];
}

/** One of a step's candidates, with its last run's outcome (nulls before a run). */
export interface GraphCandidate {
  /** From 1. */
  n: number;
  label: string;
  status: string | null;
  score: number | null;
  selected: boolean;
  branch: string | null;
}

/** A cluster to draw: a `step_groups` entry or a `parallel_group` number. */
export interface GraphGroup {
  /** The group's id; `parallel_group <n>` for a parallel group. */
  id: string;
  kind: 'step_group' | 'parallel_group';
  steps: string[];
  execute: 'sequential' | 'parallel';
  maxWorkers: number | null;
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
  /** Absent from older servers. */
  groups?: GraphGroup[];
}

/** A candidate's row inside its step's box, relative to the node's top-left corner. */
export interface CandidateRow {
  candidate: GraphCandidate;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedNode {
  node: GraphNode;
  /** The centre. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** One per candidate, top to bottom (empty without). */
  rows: CandidateRow[];
}

/** A group's box (top-left corner and size, unlike a node's centre) and its label. */
export interface PlacedCluster {
  group: GraphGroup;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /**
   * False for a group dagre did not lay out as a cluster: its steps all sit in step groups, or
   * keeping it together would move a step out of its wave's column. Its box only spans its
   * steps and may cover others.
   */
  laidOut: boolean;
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
  /** Step groups first, then parallel groups (the server's order); empty without groups. */
  clusters: PlacedCluster[];
}

export const NODE_HEIGHT = 46;
/** Room on a node's right for its ▶ button. */
export const BUTTON_WIDTH = 28;
const MIN_WIDTH = 130;
const PADDING = 14;
/** Above the nodes, for the wave labels. */
export const HEADER = 28;
/** A candidate row's height and the gap below the step's own two lines before the first row. */
export const ROW_HEIGHT = 20;
const ROWS_TOP = NODE_HEIGHT - 4;
const ROWS_BOTTOM = 6;
const ROW_INSET = 8;
/** A step with candidates is at least this wide, for their labels. */
const CANDIDATES_MIN_WIDTH = 200;
/** Room between a cluster's box and its steps, and above them for its label. */
export const CLUSTER_PADDING = 8;
export const CLUSTER_LABEL = 18;
const MARGIN_X = 12;
const MARGIN_Y = 12 + HEADER;

/** A group's label: "group-utils · sequential · max 2", "parallel group 1". */
export function clusterLabel(group: GraphGroup): string {
  if (group.kind === 'parallel_group') return group.id.replace('parallel_group', 'parallel group');
  return [group.id, group.execute, group.maxWorkers != null ? `max ${group.maxWorkers}` : ''].filter(Boolean).join(' · ');
}

/** The dagre node id of a group's cluster (apart from any step id). */
function clusterKey(group: GraphGroup): string {
  return `\u0000cluster ${group.kind} ${group.id}`;
}

/**
 * Each step's cluster. dagre's clusters form a tree, and a step can be in a step group and a
 * parallel group at once: it goes into its (first) step group, and a parallel group only gets
 * the steps that are in no step group.
 */
function parents(groups: GraphGroup[], steps: Set<string>): Map<string, GraphGroup> {
  const parent = new Map<string, GraphGroup>();
  for (const kind of ['step_group', 'parallel_group'] as const) {
    for (const group of groups) {
      if (group.kind !== kind) continue;
      for (const step of group.steps) if (steps.has(step) && !parent.has(step)) parent.set(step, group);
    }
  }
  return parent;
}

/** Lays the graph out; `measure` gives a text's width in pixels (the step id's font). */
export function layoutGraph(dagre: Dagre, data: GraphData, measure: (text: string) => number): Layout {
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const groups = (data.groups ?? []).filter((group) => group.steps.some((step) => byId.has(step)));
  // dagre keeps a cluster's ranks few, and would pull a step with slack (one that nothing
  // after it holds back) into a later column than its wave's. All groups are tried at once; the
  // ones holding a step out of its wave's column are dropped and the rest tried again, until
  // every wave is one column. The dropped get a box drawn around their steps (`laidOut` false).
  let kept = groups;
  let placed = place(dagre, data, measure, kept);
  while (kept.length && !wavesAreColumns(placed.nodes)) {
    const moved = new Set(misplaced(placed.nodes).flatMap((id) => placed.parent.get(id) ?? []));
    kept = moved.size ? kept.filter((group) => !moved.has(group)) : [];
    placed = place(dagre, data, measure, kept);
  }
  const { nodes, edges, parent } = placed;
  let { width, height } = placed;
  let clusters: PlacedCluster[] = [];
  if (groups.length) {
    const at = new Map(nodes.map((p) => [p.node.id, p]));
    const laidOut = new Set(parent.values());
    clusters = groups.map((group) => {
      // A laid-out cluster spans the steps dagre kept in it; a step it shares with a step group
      // is drawn in that group's box. Any other group spans all its steps, over what it overlaps.
      const inside = laidOut.has(group) ? group.steps.filter((step) => parent.get(step) === group) : group.steps;
      return placeCluster(group, laidOut.has(group), inside.flatMap((step) => at.get(step) ?? []));
    });
    [width, height] = fitDrawing(nodes, edges, clusters);
  }
  const columns = new Map<number, WaveColumn>();
  for (const p of nodes) {
    const wave = p.node.wave;
    if (wave == null) continue;
    const left = p.x - p.width / 2;
    const right = p.x + p.width / 2;
    const column = columns.get(wave);
    columns.set(wave, column ? { wave, left: Math.min(column.left, left), right: Math.max(column.right, right) } : { wave, left, right });
  }
  return {
    width: Math.ceil(width),
    height: Math.ceil(height),
    nodes,
    edges,
    waves: [...columns.values()].sort((a, b) => a.wave - b.wave),
    clusters,
  };
}

interface Placed {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
  /** Each clustered step's group. */
  parent: Map<string, GraphGroup>;
}

/** One dagre layout, with `clustered` as dagre clusters. */
function place(dagre: Dagre, data: GraphData, measure: (text: string) => number, clustered: GraphGroup[]): Placed {
  const graph = new dagre.graphlib.Graph({ multigraph: false, compound: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: MARGIN_X, marginy: MARGIN_Y });
  graph.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  for (const node of data.nodes) {
    const count = node.candidates?.length ?? 0;
    const least = count ? CANDIDATES_MIN_WIDTH : MIN_WIDTH;
    const width = Math.max(least, Math.ceil(measure(node.id)) + 2 * PADDING + BUTTON_WIDTH);
    graph.setNode(node.id, { width, height: count ? ROWS_TOP + count * ROW_HEIGHT + ROWS_BOTTOM : NODE_HEIGHT });
  }
  const parent = parents(clustered, new Set(byId.keys()));
  for (const group of new Set(parent.values())) graph.setNode(clusterKey(group), {});
  for (const [step, group] of parent) graph.setParent(step, clusterKey(group));
  for (const edge of data.edges) {
    const from = byId.get(edge.from)?.wave;
    const to = byId.get(edge.to)?.wave;
    // As long as the waves it spans: every wave a column (dagre keeps edges at least minlen).
    const minlen = from != null && to != null && to > from ? to - from : 1;
    graph.setEdge(edge.from, edge.to, { minlen, weight: edge.critical ? 4 : 1 });
  }
  dagre.layout(graph);
  const nodes = data.nodes.map((node) => {
    const at = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    const rows = (node.candidates ?? []).map((candidate, i) => ({
      candidate,
      x: ROW_INSET,
      y: ROWS_TOP + i * ROW_HEIGHT,
      width: at.width - 2 * ROW_INSET,
      height: ROW_HEIGHT - 2,
    }));
    return { node, x: at.x, y: at.y, width: at.width, height: at.height, rows };
  });
  const edges = data.edges.map((edge) => ({
    edge,
    points: ((graph.edge(edge.from, edge.to) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })),
  }));
  const size = graph.graph() as { width?: number; height?: number };
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0, parent };
}

/** The steps not in their wave's column (the x most of the wave's steps have). */
function misplaced(nodes: PlacedNode[]): string[] {
  const counts = new Map<number, Map<number, number>>();
  for (const p of nodes) {
    if (p.node.wave == null) continue;
    const xs = counts.get(p.node.wave) ?? new Map<number, number>();
    xs.set(Math.round(p.x), (xs.get(Math.round(p.x)) ?? 0) + 1);
    counts.set(p.node.wave, xs);
  }
  const column = new Map([...counts].map(([wave, xs]) => [wave, [...xs].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]]));
  return nodes.filter((p) => p.node.wave != null && Math.round(p.x) !== column.get(p.node.wave)).map((p) => p.node.id);
}

/** True when the steps of each wave share one column, left of the next wave's. */
function wavesAreColumns(nodes: PlacedNode[]): boolean {
  const xs = new Map<number, Set<number>>();
  for (const p of nodes) if (p.node.wave != null) xs.set(p.node.wave, (xs.get(p.node.wave) ?? new Set()).add(Math.round(p.x)));
  const columns = [...xs.entries()].sort((a, b) => a[0] - b[0]);
  return columns.every(([, x], i) => x.size === 1 && (i === 0 || [...columns[i - 1][1]][0] < [...x][0]));
}

/** Moves the drawing to its margins (room for the clusters' labels above); its new size. */
function fitDrawing(nodes: PlacedNode[], edges: PlacedEdge[], clusters: PlacedCluster[]): [number, number] {
  const boxes = [
    ...nodes.map((p) => [p.x - p.width / 2, p.y - p.height / 2, p.x + p.width / 2, p.y + p.height / 2]),
    ...clusters.map((c) => [c.x, c.y, c.x + c.width, c.y + c.height]),
    ...edges.flatMap((e) => e.points.map((p) => [p.x, p.y, p.x, p.y])),
  ];
  const left = Math.min(...boxes.map((b) => b[0]));
  const top = Math.min(...boxes.map((b) => b[1]));
  const dx = MARGIN_X - left;
  const dy = MARGIN_Y - top;
  for (const p of nodes) [p.x, p.y] = [p.x + dx, p.y + dy];
  for (const c of clusters) [c.x, c.y] = [c.x + dx, c.y + dy];
  for (const e of edges) for (const p of e.points) [p.x, p.y] = [p.x + dx, p.y + dy];
  return [Math.max(...boxes.map((b) => b[2])) + dx + MARGIN_X, Math.max(...boxes.map((b) => b[3])) + dy + MARGIN_X];
}

/**
 * A group's box: around its steps, with room above them for the label. dagre keeps a cluster's
 * steps together and other steps out of their span; its own box (border nodes of no size) is
 * not used, as it leaves no room for a label.
 */
function placeCluster(group: GraphGroup, laidOut: boolean, members: PlacedNode[]): PlacedCluster {
  const left = Math.min(...members.map((p) => p.x - p.width / 2)) - CLUSTER_PADDING;
  const top = Math.min(...members.map((p) => p.y - p.height / 2)) - CLUSTER_PADDING - CLUSTER_LABEL;
  const right = Math.max(...members.map((p) => p.x + p.width / 2)) + CLUSTER_PADDING;
  const bottom = Math.max(...members.map((p) => p.y + p.height / 2)) + CLUSTER_PADDING;
  return { group, label: clusterLabel(group), x: left, y: top, width: right - left, height: bottom - top, laidOut };
}

/** An SVG path through the points of an edge (straight segments, as dagre routes them). */
export function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
