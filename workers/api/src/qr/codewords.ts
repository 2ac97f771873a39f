import { QrCodeDataType } from "uqr";
import { inBox, type Box, type Encoded } from "./matrix.ts";

// Which error correction block each data module's codeword belongs to, for symbols at level H:
// the placement (ISO/IEC 18004 §7.7.3: two-module columns zigzagging up and down from the right)
// and the interleaving of blocks (§7.6) that the encoder used. A logo's cleared area spoils every
// codeword it touches; the symbol still reads while no block has more spoiled codewords than its
// error correction repairs.

/** Error correction codewords per block at level H, by version (ISO/IEC 18004 Table 9). */
const H_ECC_PER_BLOCK = [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30];
/** Blocks at level H, by version. */
const H_BLOCKS = [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81];

/** The block of each codeword in the order they are placed. */
function blockOfCodeword(version: number, total: number): number[] {
  const blocks = H_BLOCKS[version]!;
  const ecc = H_ECC_PER_BLOCK[version]!;
  const shortBlocks = blocks - (total % blocks);
  const shortLength = Math.floor(total / blocks);
  const order: number[] = [];
  for (let i = 0; i <= shortLength; i++) {
    for (let j = 0; j < blocks; j++) {
      // Short blocks have one data codeword fewer: they skip the position after their data.
      if (i === shortLength - ecc && j < shortBlocks) continue;
      order.push(j);
    }
  }
  return order;
}

export interface Damage {
  /** Spoiled codewords in each block. */
  spoiled: number[];
  /** How many spoiled codewords a block repairs. */
  repairs: number;
}

/** The codewords of an H symbol a cleared area spoils, block by block. */
export function damage({ version, size, types }: Encoded, cleared: Box): Damage {
  let dataModules = 0;
  for (const row of types) for (const type of row) if (type === QrCodeDataType.Data) dataModules++;
  const total = Math.floor(dataModules / 8);
  const blockOf = blockOfCodeword(version, total);
  const spoiledCodewords = new Set<number>();
  let bit = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // the vertical timing pattern
    for (let vert = 0; vert < size; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
        if (types[y]![x] !== QrCodeDataType.Data || bit >= total * 8) continue;
        if (inBox(cleared, x, y)) spoiledCodewords.add(bit >>> 3);
        bit++;
      }
    }
  }
  const spoiled = new Array<number>(H_BLOCKS[version]!).fill(0);
  for (const codeword of spoiledCodewords) spoiled[blockOf[codeword]!]!++;
  return { spoiled, repairs: Math.floor(H_ECC_PER_BLOCK[version]! / 2) };
}
