import { DOMParser, XMLSerializer, type Document, type Element, type Node } from "@xmldom/xmldom";

// An uploaded SVG logo, kept to drawing only. The document is parsed (never matched with patterns)
// and rebuilt from an allow-list: shapes, paths, groups, gradients, clips and masks, with their
// geometry and paint attributes. Everything else goes: scripts, styles, foreign objects, event
// attributes, any link out of the document (an href or url() may only name an element of the
// document itself, or be a data: PNG or JPEG). A DOCTYPE is refused outright, so no entity can
// expand. What remains renders the same in a browser, in resvg and in a PDF.

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";

const ELEMENTS = new Set([
  "svg", "g", "defs", "symbol", "use", "title", "desc",
  "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
  "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern",
]);

const ATTRIBUTES = new Set([
  "id", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "y1", "x2", "y2",
  "cx", "cy", "r", "rx", "ry", "fx", "fy", "d", "points", "transform", "offset",
  "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
  "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
  "stop-color", "stop-opacity", "color", "display", "visibility",
  "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform",
  "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits",
  "href", "style", "version",
]);

/** The properties a style attribute may set: the paint and geometry ones above. */
const STYLE_PROPERTIES = new Set([...ATTRIBUTES].filter((a) => !["id", "href", "style", "version", "d", "points", "viewBox"].includes(a)));

/** Only references inside the document: url(#id). */
const isLocalUrls = (value: string) => [...value.matchAll(/url\(([^)]*)\)/gi)].every((m) => /^\s*['"]?#[\w.-]+['"]?\s*$/.test(m[1]!));

/** No url() but url(#id), no escapes that could hide one, no legacy script hooks. */
const safeValue = (value: string) => isLocalUrls(value) && !/[\\]|expression\s*\(|javascript:|@import/i.test(value);

/** A style attribute's declarations, each kept only if its property is allowed and its value safe. */
function cleanStyle(style: string): string {
  return style
    .split(";")
    .map((declaration) => declaration.split(":"))
    .filter(([name, ...value]) => value.length > 0 && STYLE_PROPERTIES.has(name!.trim().toLowerCase()) && safeValue(value.join(":")))
    .map(([name, ...value]) => `${name!.trim().toLowerCase()}:${value.join(":").trim()}`)
    .join(";");
}

/** An href that stays in the document (#id), or for an image a data: PNG or JPEG. */
function safeHref(element: string, href: string): boolean {
  const value = href.trim();
  if (element === "image") return /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=\s]+$/.test(value);
  return /^#[\w.-]+$/.test(value);
}

function clean(source: Element, target: Element, out: Document): void {
  for (let i = 0; i < source.attributes.length; i++) {
    const attribute = source.attributes.item(i)!;
    const local = attribute.localName ?? attribute.name;
    const namespace = attribute.namespaceURI;
    // href and xlink:href are the same link; every other attribute must be in no namespace.
    if (namespace !== null && !(namespace === XLINK_NS && local === "href")) continue;
    if (!ATTRIBUTES.has(local)) continue;
    let value = attribute.value;
    if (local === "href") {
      if (!safeHref(source.localName!, value)) continue;
    } else if (local === "style") {
      value = cleanStyle(value);
      if (value === "") continue;
    } else if (!safeValue(value)) continue;
    target.setAttribute(local, value);
  }
  for (let child: Node | null = source.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === child.ELEMENT_NODE) {
      const element = child as Element;
      if (element.namespaceURI !== SVG_NS || !ELEMENTS.has(element.localName!)) continue;
      const copy = out.createElementNS(SVG_NS, element.localName!);
      target.appendChild(copy);
      clean(element, copy, out);
    } else if (child.nodeType === child.TEXT_NODE || child.nodeType === child.CDATA_SECTION_NODE) {
      // Only titles and descriptions hold text worth keeping.
      if (source.localName === "title" || source.localName === "desc") target.appendChild(out.createTextNode(child.nodeValue ?? ""));
    }
  }
}

/** A length as an SVG width or height gives it in user units (px or none); null for any other unit. */
function userUnits(value: string | null): number | null {
  const m = value === null ? null : /^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$/.exec(value);
  return m ? Number(m[1]) : null;
}

export interface SanitisedSvg {
  svg: string;
  width: number;
  height: number;
}

/** The SVG kept to drawing only, with the size it declares (its viewBox, else its width and height); or why it is refused. */
export function sanitiseSvg(bytes: Uint8Array): SanitisedSvg | { problem: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return { problem: "is not valid UTF-8" };
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { problem: "is an SVG with a DOCTYPE: save it without one" };
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(text, "image/svg+xml");
  } catch {
    return { problem: "is not well-formed SVG" };
  }
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) return { problem: "is not an SVG: its root must be an svg element" };

  const box = (root.getAttribute("viewBox") ?? "").trim().split(/[\s,]+/).map(Number);
  let width = box.length === 4 && box.every(Number.isFinite) ? box[2]! : userUnits(root.getAttribute("width"));
  let height = box.length === 4 && box.every(Number.isFinite) ? box[3]! : userUnits(root.getAttribute("height"));
  if (!width || !height || width <= 0 || height <= 0) return { problem: "is an SVG without a size: give it a viewBox" };

  const out = new DOMParser().parseFromString(`<svg xmlns="${SVG_NS}"/>`, "image/svg+xml");
  const target = out.documentElement!;
  clean(root, target, out);
  // The viewBox the size was read from, so it draws at that aspect anywhere.
  if (!target.getAttribute("viewBox")) target.setAttribute("viewBox", `0 0 ${width} ${height}`);
  width = Math.max(1, Math.round(width));
  height = Math.max(1, Math.round(height));
  return { svg: new XMLSerializer().serializeToString(out), width, height };
}
