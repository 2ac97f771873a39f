import { describe, expect, it } from "vitest";
import { codeFileName, fileStem, uniqueFileNames } from "./qr-files.ts";

describe("QR image file names", () => {
  it("are the code's name made safe, or its short code", () => {
    expect(fileStem("Café menu / Table 4")).toBe("Cafe-menu-Table-4");
    expect(fileStem("../../etc/passwd")).toBe("etc-passwd");
    expect(codeFileName({ name: "🍕", short_code: "pizza" }, "png")).toBe("pizza.png");
    expect(codeFileName({ name: null, short_code: "go.example.com/menu" }, "svg")).toBe("menu.svg");
  });

  it("are unique in one archive, whatever the case", () => {
    const codes = [
      { name: "Menu", short_code: "a1" },
      { name: "menu", short_code: "a2" },
      { name: "Menu-2", short_code: "a3" },
      { name: null, short_code: "Menu" },
    ];
    expect(uniqueFileNames(codes, "svg")).toEqual(["Menu.svg", "menu-2.svg", "Menu-2-2.svg", "Menu-3.svg"]);
  });
});
