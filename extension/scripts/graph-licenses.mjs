// Writes dist/graph.LICENSES.txt: the licenses of the libraries bundled into dist/graph.js
// (dagre and its graphlib, both MIT), which ship in the .vsix next to it.
import { readFileSync, writeFileSync } from 'node:fs';

const bundled = ['@dagrejs/dagre', '@dagrejs/graphlib'];
const text = bundled.map((name) => {
  const { version } = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
  return `${name} ${version}\n\n${readFileSync(`node_modules/${name}/LICENSE`, 'utf8').trim()}\n`;
}).join('\n\n');
writeFileSync('dist/graph.LICENSES.txt', `Libraries bundled into graph.js\n\n${text}`);
