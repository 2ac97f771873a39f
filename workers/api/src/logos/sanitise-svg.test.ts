import { describe, expect, it } from "vitest";
import { sanitiseSvg } from "./sanitise-svg.ts";

const clean = (svg: string) => {
  const out = sanitiseSvg(new TextEncoder().encode(svg));
  if ("problem" in out) throw new Error(out.problem);
  return out;
};

describe("an SVG logo, sanitised", () => {
  it("keeps shapes, gradients and local references, with the size of its viewBox", () => {
    const out = clean(
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs><path d="M0 0h10v10z" fill="url(#g)" transform="scale(2)"/><title>Acme</title></svg>`,
    );
    expect(out).toMatchObject({ width: 120, height: 60 });
    expect(out.svg).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs><path d="M0 0h10v10z" fill="url(#g)" transform="scale(2)"/><title>Acme</title></svg>',
    );
  });

  it("takes its size from width and height without a viewBox, and gives it one", () => {
    const out = clean(`<svg xmlns="http://www.w3.org/2000/svg" width="48px" height="32"><rect width="48" height="32"/></svg>`);
    expect(out).toMatchObject({ width: 48, height: 32 });
    expect(out.svg).toContain('viewBox="0 0 48 32"');
  });

  it.each([
    ["a script", `<script>alert(1)</script>`],
    ["an event attribute", `<rect width="1" height="1" onmouseover="alert(1)"/>`],
    ["a link out", `<a href="https://evil.test"><rect width="1" height="1"/></a>`],
    ["an external use", `<use href="https://evil.test/s.svg#x"/>`],
    ["an external image", `<image href="https://evil.test/t.png" width="1" height="1"/>`],
    ["a url() out in an attribute", `<rect width="1" height="1" fill="url(https://evil.test/p)"/>`],
    ["a url() out in a style", `<rect width="1" height="1" style="fill:url('//evil.test/p')"/>`],
    ["an escaped url in a style", `<rect width="1" height="1" style="fill:u\\72l(//evil.test/p)"/>`],
    ["a style sheet", `<style>rect{fill:url(https://evil.test/p)}</style>`],
    ["a foreign object", `<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.test"/></foreignObject>`],
    ["an animation that sets an href", `<set attributeName="href" to="https://evil.test"/>`],
    ["an element of another namespace", `<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>`],
  ])("drops %s", (_, element) => {
    const out = clean(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">${element}</svg>`);
    expect(out.svg).not.toMatch(/evil|alert|script|onmouseover|foreignObject|<style|<set|<a /);
  });

  it("keeps a data: PNG image, the only image it may hold", () => {
    const out = clean(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/><image href="data:text/html;base64,PHNjcmlwdD4=" width="1" height="1"/></svg>`);
    expect(out.svg).toContain('<image href="data:image/png;base64,iVBORw0KGgo="');
    expect(out.svg).not.toContain("text/html");
  });

  it.each([
    ['<!DOCTYPE svg [<!ENTITY x "x">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>', "is an SVG with a DOCTYPE: save it without one"],
    ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g></svg>', "is not well-formed SVG"],
    ['<math xmlns="http://www.w3.org/1998/Math/MathML"/>', "is not an SVG: its root must be an svg element"],
    ['<svg xmlns="http://www.w3.org/2000/svg" width="10cm" height="5cm"/>', "is an SVG without a size: give it a viewBox"],
  ])("refuses %s", (svg, problem) => {
    expect(sanitiseSvg(new TextEncoder().encode(svg))).toEqual({ problem });
  });
});
