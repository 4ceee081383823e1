// The facade homography of edge/geometry/facade.py, for drawing the floor/column grid
// live in the browser; the Python module stays the reference (the browser test
// compares the two). Image px: x right, y down. Facade metres: X right along the
// facade from its left edge, Y up from the ground; corners TL, TR, BR, BL map to
// (0, H), (W, H), (W, 0), (0, 0) with H = floors x floor height, W = the width.

const DEFAULT_BAY_WIDTH_M = 3.5; // FacadeConfig.facade_width_m: columns x 3.5 m

// 3x3 homography (row-major, h33 = 1) mapping four src points onto four dst points,
// or null when they are degenerate (three on a line).
export function homography(src, dst) {
  const a = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i];
    const [u, v] = dst[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) { // Gauss-Jordan elimination with partial pivoting
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-12) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k < 9; k++) a[r][k] -= f * a[c][k];
    }
  }
  const h = a.map((row, i) => row[8] / row[i]);
  h.push(1);
  return h;
}

export function apply(h, [x, y]) {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

// A facade's counts, sizes (m) and both mappings, or null while it cannot have a grid
// (fewer than four corners, no floors or columns yet, degenerate corners).
// widthM null: columns x 3.5 m, as the config model's default.
export function facadeGeometry(corners, floors, columns, floorHeightM, widthM) {
  if (corners.length !== 4 || !(floors >= 1) || !(columns >= 1) || !(floorHeightM > 0)) return null;
  const nFloors = Math.floor(floors);
  const nColumns = Math.floor(columns);
  const width = widthM ?? nColumns * DEFAULT_BAY_WIDTH_M;
  if (!(width > 0)) return null;
  const height = nFloors * floorHeightM;
  const metres = [[0, height], [width, height], [width, 0], [0, 0]];
  const toPx = homography(metres, corners);
  const toM = homography(corners, metres);
  if (!toPx || !toM) return null;
  return { floors: nFloors, columns: nColumns, floorH: floorHeightM, widthM: width, heightM: height, toPx, toM };
}

// Same polylines, same order as Facade.grid_lines_px: floor boundaries bottom to top,
// then column boundaries left to right, each sampled at `samples` points.
export function gridLines(geo, samples) {
  const n = Math.max(2, samples || 2);
  const lin = (a, b) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
  const lines = [];
  for (let k = 0; k <= geo.floors; k++) {
    lines.push(lin(0, geo.widthM).map((x) => apply(geo.toPx, [x, k * geo.floorH])));
  }
  for (let k = 0; k <= geo.columns; k++) {
    lines.push(lin(0, geo.heightM).map((y) => apply(geo.toPx, [(k * geo.widthM) / geo.columns, y])));
  }
  return lines;
}

// The facade widened by `marginM` on both sides (TL, TR, BR, BL image px), as
// Facade.outline_px: what motion watches with motion.facade_margin_m set. Where the
// widened outline would reach the camera's horizon the margin is halved, twice at
// most; null when no margin is set or none fits.
export function marginOutline(geo, marginM) {
  if (!(marginM > 0)) return null;
  const h = geo.toPx;
  for (const m of [marginM, marginM / 2, marginM / 4]) {
    const rect = [[-m, geo.heightM], [geo.widthM + m, geo.heightM], [geo.widthM + m, 0], [-m, 0]];
    const w = rect.map(([x, y]) => h[6] * x + h[7] * y + h[8]);
    if (w.every((wi) => wi * w[0] > 0)) return rect.map((p) => apply(h, p));
  }
  return null;
}

// Floor and column (1-based, clamped) of an image point, as Facade.cell_of_pixel.
export function cellOf(geo, [x, y]) {
  const [mx, my] = apply(geo.toM, [x, y]);
  const clamp = (v, hi) => Math.min(Math.max(v, 1), hi);
  return {
    floor: clamp(Math.floor(my / geo.floorH) + 1, geo.floors),
    column: clamp(Math.floor(mx / (geo.widthM / geo.columns)) + 1, geo.columns),
    onFacade: mx >= 0 && mx <= geo.widthM && my >= 0 && my <= geo.heightM,
  };
}
