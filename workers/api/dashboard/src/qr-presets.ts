// Named starting points for a code's design in the designer: each a whole design (the default
// with a few fields changed), picked with one click and then adjusted. Each one scans: the
// colours keep well above the contrast the API asks for, and the light-on-dark one says so.
import { DEFAULT_QR_STYLE, type QrStyle } from "@qr3/schema/qr-style";

export interface QrPreset {
  name: string;
  design: QrStyle;
}

const preset = (name: string, change: Partial<QrStyle>): QrPreset => ({ name, design: { ...DEFAULT_QR_STYLE, ...change } });

export const QR_PRESETS: readonly QrPreset[] = [
  preset("Classic", {}),
  preset("Rounded", { foreground: "#1a237e", modules: "rounded", eyes: "rounded" }),
  preset("Dots", { foreground: "#004d40", modules: "dots", eyes: "circle" }),
  preset("Inverted", { foreground: "#ffffff", background: "#111827", inverted: true }),
  preset("Menu banner", { foreground: "#7f1d1d", modules: "rounded", eyes: "rounded", frame: "banner", cta: "Scan for the menu" }),
];
