// @ts-check
// The dependency graph. micropip_ext makes the nodes, edges and their Graphviz DOT (web/py/webglue.py
// dependency_graph, the same producer as the notebook's); Viz.js (vendored, loaded on first use from
// config.vizURL) draws the DOT as SVG here, in the page. This module adds what a picture alone does not give:
// a legend, a name and keyboard focus on every node, and a table that says the same as text.

import { byId, el } from "./view.mjs";

/**
 * @typedef {object} GraphNode
 * @property {string} id  the canonical name: the DOT node's name, so the drawn node's <title>
 * @property {string} name
 * @property {string} version
 * @property {string} source  source kind (index, distribution, url, directory, vcs, unknown)
 * @property {string | null} installer
 * @property {boolean | null} lockable  null before a freeze
 * @property {string | null} reason  why not lockable
 *
 * @typedef {object} GraphEdge
 * @property {string} source
 * @property {string} target
 * @property {string} requirement
 * @property {string | null} extra
 *
 * @typedef {object} LockStyle
 * @property {boolean | null} lockable
 * @property {string} label
 * @property {string} colour
 * @property {string} style  solid, dashed or dotted
 *
 * @typedef {object} GraphData
 * @property {GraphNode[]} nodes
 * @property {GraphEdge[]} edges
 * @property {string} dot
 * @property {{sources: {kind: string, fill: string}[], lock: LockStyle[]}} legend
 *
 * @typedef {{renderSVGElement: (dot: string) => SVGSVGElement}} Viz
 */

/** @type {Promise<Viz> | null} */
let vizPromise = null;

/**
 * Viz.js, loaded once (a failed load is retried on the next click).
 * @param {string} url
 * @returns {Promise<Viz>}
 */
function loadViz(url) {
  if (!vizPromise) {
    vizPromise = import(url).then((module) => module.instance()).catch((err) => {
      vizPromise = null;
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot load the graph library Viz.js from ${url} (${why}); ` +
        "set-up vendors it into build/vendor/viz/ (scripts/vendor_viz.sh)");
    });
  }
  return vizPromise;
}

/** @param {GraphNode} node */
function lockText(node) {
  if (node.lockable === null) return "freeze to find out";
  if (node.lockable) return "locked";
  return node.reason ? `not lockable: ${node.reason}` : "not lockable";
}

/**
 * canonical name -> the names (as shown) it requires / of those requiring it; installed ones only, as the edges.
 * @param {GraphData} graph
 */
function adjacency(graph) {
  const shown = new Map(graph.nodes.map((n) => [n.id, n.name]));
  /** @type {Map<string, string[]>} */
  const requires = new Map();
  /** @type {Map<string, string[]>} */
  const requiredBy = new Map();
  for (const { source, target } of graph.edges) {
    requires.set(source, [...(requires.get(source) ?? []), shown.get(target) ?? target]);
    requiredBy.set(target, [...(requiredBy.get(target) ?? []), shown.get(source) ?? source]);
  }
  return { requires, requiredBy };
}

/** @param {GraphData["legend"]} legend */
function renderLegend(legend) {
  const sources = legend.sources.map((s) => el("li", {},
    el("span", { class: "swatch", "aria-hidden": "true", style: `background: ${s.fill}` }), `source: ${s.kind}`));
  const lock = legend.lock.map((l) => el("li", {},
    el("span", { class: "swatch", "aria-hidden": "true", style: `border: 2px ${l.style} ${l.colour}` }),
    `${l.label} (${l.style} border)`));
  byId("graph-legend").replaceChildren(...sources, ...lock);
}

/**
 * Each drawn node gets its facts as its accessible name. The graph is one Tab stop (so a big one is not a hundred):
 * arrow keys move between its nodes, Home and End go to the first and last (a roving tabindex).
 * @param {SVGSVGElement} svg
 * @param {GraphData} graph
 * @param {ReturnType<typeof adjacency>} links
 */
function labelNodes(svg, graph, links) {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", `Dependency graph: ${graph.nodes.length} distributions, ` +
    `${graph.edges.length} dependencies; arrow keys move between distributions`);
  /** @type {Element[]} */
  const drawn = [];
  for (const shape of svg.querySelectorAll("g.node")) {
    const id = shape.querySelector("title")?.textContent ?? "";
    const node = nodes.get(id);
    if (!node) continue;
    const requires = links.requires.get(id) ?? [];
    shape.setAttribute("tabindex", drawn.length ? "-1" : "0");
    shape.setAttribute("role", "img");
    shape.setAttribute("data-name", id);
    shape.setAttribute("aria-label", `${node.name} ${node.version}; source: ${node.source}; ${lockText(node)}` +
      (requires.length ? `; requires ${requires.join(", ")}` : ""));
    drawn.push(shape);
  }
  svg.addEventListener("keydown", (event) => {
    const at = drawn.indexOf(/** @type {Element} */ (event.target));
    const steps = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0,
      End: drawn.length - 1 };
    const to = steps[/** @type {keyof typeof steps} */ (event.key)];
    if (at < 0 || to === undefined || to < 0 || to >= drawn.length) return;
    event.preventDefault();
    drawn[at].setAttribute("tabindex", "-1");
    drawn[to].setAttribute("tabindex", "0");
    /** @type {SVGElement} */ (drawn[to]).focus();
  });
}

/**
 * The same facts as a table (the graph's text alternative).
 * @param {GraphData} graph
 * @param {ReturnType<typeof adjacency>} links
 */
function renderTable(graph, links) {
  const rows = graph.nodes.map((n) => el("tr", { "data-name": n.id },
    el("th", { scope: "row", textContent: `${n.name} ${n.version}` }),
    el("td", { textContent: n.source }),
    el("td", { textContent: lockText(n) }),
    el("td", { textContent: (links.requires.get(n.id) ?? []).join(", ") }),
    el("td", { textContent: (links.requiredBy.get(n.id) ?? []).join(", ") })));
  const table = /** @type {HTMLTableElement} */ (byId("graph-table"));
  table.tBodies[0].replaceChildren(...rows);
}

/**
 * Draw the graph with Viz.js into #graph, with its legend and text alternative.
 * @param {GraphData} graph
 * @param {string} vizURL
 */
export async function renderGraph(graph, vizURL) {
  const viz = await loadViz(vizURL);
  const svg = viz.renderSVGElement(graph.dot);
  const links = adjacency(graph);
  labelNodes(svg, graph, links);
  byId("graph").replaceChildren(svg);
  renderLegend(graph.legend);
  renderTable(graph, links);
  byId("graph-caption").textContent =
    `${graph.nodes.length} installed distributions, ${graph.edges.length} dependencies between them.`;
}
