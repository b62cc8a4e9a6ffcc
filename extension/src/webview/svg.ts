/**
 * SVG and text helpers of the graph view's page (webview only): creating elements, measuring a
 * text in the page's font and cutting it to a width.
 */

const SVG = 'http://www.w3.org/2000/svg';

const context = document.createElement('canvas').getContext('2d');

/** `text`'s width in pixels in `font` ("600 13px") of the page's family. */
export function measure(text: string, font: string): number {
  if (!context) return text.length * 8;
  context.font = `${font} ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
  return context.measureText(text).width;
}

export function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) created.setAttribute(key, String(value));
  parent?.appendChild(created);
  return created;
}

export function text(parent: Element, content: string, attributes: Record<string, string | number>): SVGTextElement {
  const created = element('text', attributes, parent);
  created.textContent = content;
  return created;
}

/** `content` cut with an ellipsis to fit `width` pixels. */
export function fit(content: string, width: number, font: string): string {
  if (measure(content, font) <= width) return content;
  let cut = content;
  while (cut.length > 1 && measure(`${cut}…`, font) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}
