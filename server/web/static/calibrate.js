// fallwatch calibration page: facade corners, grid, masks, privacy areas, settings,
// validation at the field, save + push, history, check mode.
//
// What the edge already knows is not typed again: with the edge connected, a camera
// without a saved version starts from the config the edge runs, and the source field
// shows the edge's source, read-only (credentials masked as ***; the server puts the
// real ones back on save). Leaving with unsaved changes is warned about by a banner and,
// only while there are such changes, by the browser's leave-page prompt.
//
// All geometry is in image px of the camera's full frame (x right, y down), as in the
// camera YAML. The canvas shows the image with a grey margin around it (facade corners
// may lie outside the image); canvas px = image px + margin. The facade homography
// mirrors edge/geometry/facade.py: corners TL, TR, BR, BL <-> facade metres
// (0, H), (W, H), (W, 0), (0, 0), X right along the facade, Y up from the ground
// (static/facade_geometry.js).

import { apply, cellOf, facadeGeometry, gridLines, marginOutline } from "/static/facade_geometry.js";

const CORNER_NAMES = ["top-left", "top-right", "bottom-right", "bottom-left"];
const CORNER_TAGS = ["TL", "TR", "BR", "BL"];
const DEFAULT_FLOOR_HEIGHT_M = 3.0; // FacadeConfig.floor_height_m default
const HIT_RADIUS_CSS_PX = 9;
const VALIDATE_DELAY_MS = 350;
const CHECK_REFRESH_MS = 5000;
const LOUPE_CSS_PX = 160; // the magnifier shown while a point is dragged
const LOUPE_ZOOM = 4; // relative to the image as displayed

const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

const root = $("calibrate");
const cameraId = root.dataset.cameraId;
const api = "/api/cameras/" + encodeURIComponent(cameraId);
const canvas = $("stage-canvas");
const g = canvas.getContext("2d");

const S = {
  base: null, // the latest saved config (JSON of the YAML keys), or a new camera's skeleton
  baseVersion: null,
  facades: [],
  selected: 0,
  masks: [],
  privacy: [],
  tool: "corners",
  draft: null, // polygon being drawn: [[x, y], ...]
  image: null,
  width: 0,
  height: 0,
  margin: 0,
  drag: null,
  handle: null, // the selected point: {kind: "corner"|"mask"|"privacy"|"draft", i, j}
  checkEvents: [],
  checkTimer: null,
  validateTimer: null,
  validateSeq: 0,
  lastErrors: [],
  lastWarnings: [],
  edgeConfig: null, // GET edge-config: what the connected edge runs (source masked)
  sourceLocked: false,
  sourceUnlocked: false, // the installer chose to change the source anyway
  fromEdge: false, // the editor holds the edge's config, not a saved version
  latest: null, // the latest saved version (GET calibration), or null
  clean: null, // JSON of the document as last loaded or saved
  dirty: false,
  edgeRuns: null, // {version, live}: the saved version the edge runs (live: it answered just now)
};

// ---------- small helpers ----------

async function request(method, url, body, contentType) {
  const headers = { "X-CSRF-Token": csrf() };
  let payload = body;
  if (body !== undefined && contentType === undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  const resp = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  if (resp.status === 401) location.href = "/login?next=" + encodeURIComponent(location.pathname);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  return { status: resp.status, ok: resp.ok, data };
}

function detailText(data, fallback) {
  if (!data) return fallback;
  if (typeof data.detail === "string") return data.detail;
  if (Array.isArray(data.detail)) return data.detail.map((d) => `${d.where}: ${d.problem}`).join("; ");
  return fallback;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

const round1 = (v) => Math.round(v * 10) / 10;
const clone = (v) => JSON.parse(JSON.stringify(v));
const numberOrNull = (s) => (s === "" || s === null || s === undefined ? null : Number(s));

function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k];
  }
  if (value === undefined) delete o[keys[keys.length - 1]];
  else o[keys[keys.length - 1]] = value;
}

// A facade's grid geometry from its form values, or null while it cannot have one.
function geometry(f) {
  return facadeGeometry(
    f.corners,
    numberOrNull(f.floors),
    numberOrNull(f.columns),
    numberOrNull(f.floor_height_m) ?? DEFAULT_FLOOR_HEIGHT_M,
    numberOrNull(f.width_m),
  );
}

// ---------- the config document ----------

function facadeFrom(doc) {
  return {
    name: doc.name ?? "",
    corners: (doc.corners || []).map((c) => [Number(c[0]), Number(c[1])]),
    floors: doc.floors ?? "",
    columns: doc.columns ?? "",
    floor_height_m: doc.floor_height_m ?? "",
    width_m: doc.width_m ?? "",
  };
}

function numberField(value, integer) {
  if (value === "" || value === null || value === undefined) return undefined;
  const v = Number(value);
  if (Number.isNaN(v)) return String(value); // the model names what is wrong with it
  return integer && Number.isInteger(v) ? Math.trunc(v) : v;
}

function buildDocument() {
  const doc = clone(S.base);
  doc.camera_id = cameraId;
  const source = $("camera-source").value.trim();
  // A device index is a number in the YAML (and so in the config digest).
  doc.source = /^\d+$/.test(source) ? Number(source) : source;
  doc.facades = S.facades.map((f) => {
    const out = { name: f.name.trim(), corners: f.corners.map(([x, y]) => [round1(x), round1(y)]) };
    for (const [key, integer] of [["floors", true], ["columns", true], ["floor_height_m", false], ["width_m", false]]) {
      const v = numberField(f[key], integer);
      if (v !== undefined) out[key] = v;
    }
    return out;
  });
  doc.masks = S.masks.map((p) => p.map(([x, y]) => [round1(x), round1(y)]));
  setPath(doc, "privacy.polygons", S.privacy.map((p) => p.map(([x, y]) => [round1(x), round1(y)])));
  for (const input of document.querySelectorAll("#settings [data-path]")) {
    const kind = input.dataset.kind;
    let value;
    if (kind === "flag") value = input.checked;
    else if (kind === "choice") value = input.value;
    else value = numberField(input.value, kind === "integer");
    setPath(doc, input.dataset.path, value); // empty: the model's default
  }
  return doc;
}

function loadDocument(doc) {
  S.base = clone(doc);
  S.facades = (doc.facades || []).map(facadeFrom);
  if (!S.facades.length) S.facades.push(facadeFrom({ name: "facade-1" }));
  S.selected = 0;
  S.masks = clone(doc.masks || []);
  S.privacy = clone(getPath(doc, "privacy.polygons") || []);
  const edgeSource = S.sourceLocked ? S.edgeConfig.config.source : null;
  $("camera-source").value = edgeSource ?? doc.source ?? "";
  if (edgeSource !== null) {
    const differs = doc.source != null && String(doc.source) !== String(edgeSource);
    $("source-note").hidden = !differs;
    $("source-note").textContent = differs ? `This config names another source (${doc.source}); the edge's source is kept.` : "";
  }
  for (const input of document.querySelectorAll("#settings [data-path]")) {
    const v = getPath(doc, input.dataset.path);
    if (v === undefined || v === null) continue; // keep the model default shown by the template
    if (input.dataset.kind === "flag") input.checked = Boolean(v);
    else input.value = String(v);
  }
  refreshFacadeList();
  fillFacadeInputs();
  refreshPolygonLists();
}

// ---------- panel: facades, polygon lists ----------

const cur = () => S.facades[S.selected];

function refreshFacadeList() {
  const sel = $("facade-select");
  sel.replaceChildren();
  S.facades.forEach((f, i) => {
    const grid = f.floors !== "" && f.columns !== "" ? ` (${f.floors} floors × ${f.columns} columns)` : "";
    const opt = el("option", `${i + 1}. ${f.name || "(no name)"}${grid}`);
    opt.value = String(i);
    opt.selected = i === S.selected;
    sel.appendChild(opt);
  });
  $("facade-remove").disabled = S.facades.length < 2;
}

function fillFacadeInputs() {
  const f = cur();
  for (const input of document.querySelectorAll("[data-facade-key]")) input.value = f[input.dataset.facadeKey] ?? "";
  updateHint();
}

function refreshPolygonLists() {
  for (const [kind, list, polys, noun] of [["mask", $("mask-list"), S.masks, "Mask"], ["privacy", $("privacy-list"), S.privacy, "Privacy area"]]) {
    list.replaceChildren();
    polys.forEach((p, i) => {
      const li = el("li");
      li.dataset.index = String(i);
      li.appendChild(el("span", `${noun} ${i + 1} · ${p.length} points`));
      const del = el("button", "Delete", "delete");
      del.type = "button";
      del.dataset.kind = kind;
      del.dataset.index = String(i);
      li.appendChild(del);
      const slot = el("p", null, "field-error");
      slot.dataset.errorFor = (kind === "mask" ? "masks." : "privacy.polygons.") + i;
      li.appendChild(slot);
      list.appendChild(li);
    });
    if (!polys.length) list.appendChild(el("li", "none", "hint"));
  }
}

function updateHint() {
  const f = cur();
  const hint = $("corner-next");
  if (!S.image) hint.textContent = "Fetch or upload an image to start.";
  else if (S.tool !== "corners") {
    const what = S.tool === "mask" ? "mask (ignored by motion detection)" : "privacy area (always blurred)";
    hint.textContent = S.draft && S.draft.length
      ? `Drawing a ${what}: ${S.draft.length} point(s); click the first point or "Close polygon" to finish.`
      : `Click points around the ${what}; click the first point again to close it.`;
  } else if (f.corners.length < 4) {
    hint.textContent = `Next: click the ${CORNER_NAMES[f.corners.length].toUpperCase()} corner of facade “${f.name || S.selected + 1}” (${f.corners.length + 1} of 4).`;
  } else hint.textContent = `All four corners of “${f.name || S.selected + 1}” set: drag a corner to adjust it.`;
  hint.dataset.next = S.tool === "corners" && f.corners.length < 4 ? CORNER_TAGS[f.corners.length] : "";
  $("polygon-close").hidden = !(S.draft && S.draft.length);
  $("polygon-cancel").hidden = !(S.draft && S.draft.length);
  $("polygon-close").disabled = !(S.draft && S.draft.length >= 3);
}

function setTool(tool) {
  if (S.draft && tool !== S.tool) S.draft = null;
  S.tool = tool;
  for (const t of ["corners", "mask", "privacy"]) $("tool-" + t).setAttribute("aria-pressed", String(t === tool));
  updateHint();
  draw();
}

function closeDraft() {
  if (!S.draft || S.draft.length < 3) return;
  (S.tool === "mask" ? S.masks : S.privacy).push(S.draft);
  S.draft = null;
  S.handle = null;
  refreshPolygonLists();
  changed();
}

// ---------- drawing ----------

function scale() {
  const r = canvas.getBoundingClientRect();
  return r.width ? canvas.width / r.width : 1;
}

function toImage(ev) {
  const r = canvas.getBoundingClientRect();
  const s = canvas.width / r.width;
  // Rounded as saved (0.1 px), so the grid drawn is the grid of the saved config.
  return [round1((ev.clientX - r.left) * s - S.margin), round1((ev.clientY - r.top) * s - S.margin)];
}

function path(points, close) {
  g.beginPath();
  points.forEach(([x, y], i) => (i ? g.lineTo(x + S.margin, y + S.margin) : g.moveTo(x + S.margin, y + S.margin)));
  if (close) g.closePath();
}

function label(text, [x, y], colour, px) {
  g.font = `bold ${px}px system-ui, sans-serif`;
  g.textAlign = "center";
  g.textBaseline = "middle";
  g.lineWidth = px / 4;
  g.strokeStyle = "rgba(0,0,0,0.85)";
  g.strokeText(text, x + S.margin, y + S.margin);
  g.fillStyle = colour;
  g.fillText(text, x + S.margin, y + S.margin);
}

function dot([x, y], r, fill, stroke, lw) {
  g.beginPath();
  g.arc(x + S.margin, y + S.margin, r, 0, 2 * Math.PI);
  g.fillStyle = fill;
  g.fill();
  g.lineWidth = lw;
  g.strokeStyle = stroke;
  g.stroke();
}

function drawPolygons(polys, fill, stroke, kind, lw, s) {
  polys.forEach((p, i) => {
    path(p, true);
    g.fillStyle = fill;
    g.fill();
    g.lineWidth = lw;
    g.strokeStyle = stroke;
    g.stroke();
    p.forEach((q, j) => {
      const sel = S.handle && S.handle.kind === kind && S.handle.i === i && S.handle.j === j;
      dot(q, (sel ? 5 : 3.5) * s, stroke, "#000", s);
    });
  });
}

function drawFacade(f, i, s) {
  const selected = i === S.selected;
  const lw = (selected ? 2 : 1.2) * s;
  const geo = geometry(f);
  if (geo) {
    const lines = gridLines(geo, 2);
    g.lineWidth = lw * 0.6;
    lines.forEach((line, k) => {
      g.strokeStyle = k <= geo.floors ? "rgba(255,235,59,0.9)" : "rgba(0,229,255,0.8)";
      path(line, false);
      g.stroke();
    });
    const px = Math.max(10, Math.min(18, 12 * s));
    // Floor numbers left of the left edge, column numbers above the top edge.
    const offset = 0.35 * geo.widthM / geo.columns;
    for (let k = 1; k <= geo.floors; k++) label(String(k), apply(geo.toPx, [-offset, (k - 0.5) * geo.floorH]), "#ffeb3b", px);
    for (let k = 1; k <= geo.columns; k++) {
      label(String(k), apply(geo.toPx, [(k - 0.5) * (geo.widthM / geo.columns), geo.heightM + 0.45 * geo.floorH]), "#00e5ff", px);
    }
  }
  const outline = geo ? marginOutline(geo, marginM()) : null;
  if (outline) {
    // Watched beside the facade too (motion.facade_margin_m): tracks may go on there.
    path(outline, true);
    g.setLineDash([6 * s, 4 * s]);
    g.lineWidth = lw * 0.8;
    g.strokeStyle = "rgba(0,230,118,0.55)";
    g.stroke();
    g.setLineDash([]);
  }
  if (f.corners.length) {
    path(f.corners, f.corners.length === 4);
    g.lineWidth = lw;
    g.strokeStyle = selected ? "#00e676" : "rgba(0,230,118,0.6)";
    g.stroke();
  }
  f.corners.forEach((c, j) => {
    const sel = S.handle && S.handle.kind === "corner" && S.handle.i === i && S.handle.j === j;
    dot(c, (sel ? 7 : 5) * s, selected ? "#00e676" : "rgba(0,230,118,0.6)", sel ? "#fff" : "#000", 1.5 * s);
    label(CORNER_TAGS[j], [c[0], c[1] - 14 * s], "#fff", Math.max(10, 11 * s));
  });
}

// The margin beside the facades as typed in the settings (0 while empty or invalid).
function marginM() {
  const v = Number($("set-motion-facade_margin_m")?.value);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function drawCheckEvents(s) {
  S.checkEvents.forEach((ev, n) => {
    if (ev.trajectory.length) {
      path(ev.trajectory, false);
      g.lineWidth = 2.5 * s;
      g.strokeStyle = "#ff5a36";
      g.stroke();
    }
    if (ev.origin[0] == null) return;
    dot(ev.origin, 7 * s, "rgba(255,90,54,0.35)", "#fff", 2 * s);
    // Numbered as in the list below the image; floor/column as the edge reported them.
    const text = `${n + 1}: F${ev.floor ?? "?"} C${ev.column ?? "?"}`;
    label(text, [ev.origin[0] + 36 * s, ev.origin[1] - 12 * s], "#ff8a65", Math.max(12, 14 * s));
  });
}

function draw() {
  if (!S.image) return;
  const s = scale();
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#3a3f46";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(S.image, S.margin, S.margin);
  g.strokeStyle = "#8a9099";
  g.lineWidth = 1;
  g.strokeRect(S.margin - 0.5, S.margin - 0.5, S.width + 1, S.height + 1);
  drawPolygons(S.masks, "rgba(244,67,54,0.28)", "#f44336", "mask", 1.5 * s, s);
  drawPolygons(S.privacy, "rgba(233,30,99,0.35)", "#e91e63", "privacy", 1.5 * s, s);
  S.facades.forEach((f, i) => i !== S.selected && drawFacade(f, i, s));
  drawFacade(cur(), S.selected, s);
  if (S.draft && S.draft.length) {
    path(S.draft, false);
    g.setLineDash([6 * s, 4 * s]);
    g.lineWidth = 1.5 * s;
    g.strokeStyle = S.tool === "mask" ? "#f44336" : "#e91e63";
    g.stroke();
    g.setLineDash([]);
    S.draft.forEach((q, j) => dot(q, (j === 0 ? 6 : 4) * s, "#fff", "#000", s));
  }
  if ($("check-mode").checked) drawCheckEvents(s);
  if (S.drag) drawLoupe(s);
}

// The raw image around the dragged point, magnified with a crosshair on the point,
// so a corner can be put on the right pixel even when the image is shown scaled down.
function drawLoupe(s) {
  const q = pointAt(S.drag);
  if (!q) return;
  const side = LOUPE_CSS_PX * s;
  const src = side / LOUPE_ZOOM;
  const x = q[0] + S.margin < canvas.width / 2 ? canvas.width - side - 8 * s : 8 * s;
  const y = 8 * s;
  g.fillStyle = "#3a3f46";
  g.fillRect(x, y, side, side);
  g.imageSmoothingEnabled = false;
  g.drawImage(S.image, q[0] - src / 2, q[1] - src / 2, src, src, x, y, side, side);
  g.imageSmoothingEnabled = true;
  g.lineWidth = s;
  g.strokeStyle = "#fff";
  g.strokeRect(x, y, side, side);
  g.beginPath();
  g.moveTo(x + side / 2, y);
  g.lineTo(x + side / 2, y + side);
  g.moveTo(x, y + side / 2);
  g.lineTo(x + side, y + side / 2);
  g.strokeStyle = "rgba(255,90,54,0.9)";
  g.stroke();
}

// ---------- pointer and keyboard ----------

function pointAt(ref) {
  if (!ref) return null;
  if (ref.kind === "corner") return S.facades[ref.i]?.corners[ref.j];
  if (ref.kind === "mask") return S.masks[ref.i]?.[ref.j];
  if (ref.kind === "privacy") return S.privacy[ref.i]?.[ref.j];
  return S.draft?.[ref.j];
}

function hitTest(p) {
  const r = HIT_RADIUS_CSS_PX * scale();
  const near = (q) => q && Math.hypot(q[0] - p[0], q[1] - p[1]) <= r;
  const order = [S.selected, ...S.facades.keys()].filter((v, i, a) => a.indexOf(v) === i);
  if (S.draft) for (let j = 0; j < S.draft.length; j++) if (near(S.draft[j])) return { kind: "draft", i: 0, j };
  for (const i of order) {
    const cs = S.facades[i].corners;
    for (let j = 0; j < cs.length; j++) if (near(cs[j])) return { kind: "corner", i, j };
  }
  for (const [kind, polys] of [["mask", S.masks], ["privacy", S.privacy]]) {
    for (let i = 0; i < polys.length; i++) for (let j = 0; j < polys[i].length; j++) if (near(polys[i][j])) return { kind, i, j };
  }
  return null;
}

function onPointerDown(ev) {
  if (!S.image || ev.button !== 0) return;
  ev.preventDefault();
  canvas.focus();
  const p = toImage(ev);
  const hit = hitTest(p);
  if (hit && hit.kind === "draft" && hit.j === 0 && S.draft.length >= 3) { closeDraft(); return; }
  if (hit) {
    if (hit.kind === "corner" && hit.i !== S.selected) selectFacade(hit.i);
    S.handle = hit;
    S.drag = hit;
    canvas.setPointerCapture(ev.pointerId);
    draw();
    return;
  }
  if (S.tool === "corners") {
    const f = cur();
    if (f.corners.length >= 4) return;
    f.corners.push(p);
    S.handle = { kind: "corner", i: S.selected, j: f.corners.length - 1 };
    S.drag = S.handle;
    canvas.setPointerCapture(ev.pointerId);
    updateHint();
    changed();
  } else {
    S.draft = S.draft || [];
    S.draft.push(p);
    S.handle = { kind: "draft", i: 0, j: S.draft.length - 1 };
    updateHint();
    draw();
  }
}

function onPointerMove(ev) {
  if (!S.drag) return;
  const q = pointAt(S.drag);
  if (!q) return;
  [q[0], q[1]] = toImage(ev);
  draw();
}

function onPointerUp() {
  if (!S.drag) return;
  S.drag = null;
  if (S.handle && S.handle.kind !== "draft") changed();
  else draw();
}

function onKey(ev) {
  if (ev.key === "Escape" && S.draft) { S.draft = null; updateHint(); draw(); return; }
  if (ev.key === "Enter" && S.draft) { closeDraft(); return; }
  const q = pointAt(S.handle);
  const step = ev.shiftKey ? 10 : 1;
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (!q || !moves[ev.key]) return;
  ev.preventDefault();
  q[0] += moves[ev.key][0];
  q[1] += moves[ev.key][1];
  if (S.handle.kind === "draft") draw();
  else changed();
}

function selectFacade(i) {
  S.selected = i;
  S.draft = null;
  refreshFacadeList();
  fillFacadeInputs();
  showProblems(S.lastErrors, S.lastWarnings);
  draw();
}

// ---------- validation and problems at their fields ----------

function changed() {
  draw();
  updateHint();
  updateDirty();
  clearTimeout(S.validateTimer);
  S.validateTimer = setTimeout(validate, VALIDATE_DELAY_MS);
}

async function validate() {
  const seq = ++S.validateSeq;
  const r = await request("POST", api + "/configs/validate", { config: buildDocument() });
  if (seq !== S.validateSeq || !r.data) return; // a newer edit is being checked
  if (r.ok) showProblems(r.data.errors, r.data.warnings);
  else showProblems([{ path: "(request)", message: detailText(r.data, "validation failed") }], []);
}

// The element that shows problems at `path`: the selected facade's fields for
// facades.<selected>.*, a polygon's list entry for masks.N, else the nearest parent key.
function slotFor(path) {
  const parts = path.split(".");
  let prefix = "";
  if (parts[0] === "facades" && /^\d+$/.test(parts[1] || "")) {
    const i = Number(parts[1]);
    if (i === S.selected) parts[1] = "*";
    else {
      const f = S.facades[i];
      prefix = `facade ${i + 1} (${f ? f.name : "?"}): ${parts.slice(2).join(".")}: `;
      parts.length = 1;
    }
  }
  for (let k = parts.length; k > 0; k--) {
    const key = parts.slice(0, k).join(".");
    const slot = root.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
    if (slot) return { slot, prefix };
  }
  return { slot: $("errors"), prefix: path + ": " };
}

function showProblems(errors, warnings) {
  S.lastErrors = errors;
  S.lastWarnings = warnings;
  for (const slot of root.querySelectorAll("[data-error-for]")) slot.replaceChildren();
  $("errors").replaceChildren();
  for (const [list, cls] of [[errors, "problem"], [warnings, "warning"]]) {
    for (const p of list) {
      const { slot, prefix } = slotFor(p.path);
      if (cls === "problem" && slot.closest("#settings")) $("settings").open = true;
      const line = el("span", prefix + p.message, cls);
      line.dataset.path = p.path;
      slot.appendChild(line);
    }
  }
  const bad = new Set(errors.map((p) => p.path.match(/^facades\.(\d+)/)?.[1]).filter((v) => v !== undefined));
  for (const opt of $("facade-select").options) opt.classList.toggle("has-problem", bad.has(opt.value));
}

// ---------- image ----------

function showImage(info) {
  const img = new Image();
  img.onload = () => {
    S.image = img;
    S.width = img.naturalWidth;
    S.height = img.naturalHeight;
    S.margin = Math.round(0.15 * Math.max(S.width, S.height));
    canvas.width = S.width + 2 * S.margin;
    canvas.height = S.height + 2 * S.margin;
    canvas.style.maxWidth = canvas.width + "px";
    $("no-image").hidden = true;
    canvas.hidden = false;
    canvas.dataset.ready = "true";
    updateHint();
    draw();
    // A saved config (or the edge's) is checked against this image at once; a new one once edited.
    if (S.baseVersion !== null || S.fromEdge) validate();
  };
  img.onerror = () => { $("image-status").textContent = "The calibration image could not be loaded."; };
  img.src = info.url;
  $("image-status").textContent = `${info.width}×${info.height} px, ${info.origin === "edge" ? "from the edge" : "uploaded"} by ${info.stored_by}, ${info.stored_local}`;
}

async function fetchFromEdge() {
  $("image-status").textContent = "Asking the edge for a fresh image…";
  const r = await request("POST", api + "/snapshot/fetch", {});
  if (r.ok) { showImage(r.data); showImageWarning(null); }
  else $("image-status").textContent = "Not fetched: " + detailText(r.data, "error " + r.status);
}

async function upload(file) {
  $("image-status").textContent = "Uploading; faces are blurred before the server keeps it…";
  const r = await request("POST", api + "/snapshot", file, file.type || "application/octet-stream");
  if (r.ok) showImage(r.data);
  else $("image-status").textContent = "Not uploaded: " + detailText(r.data, "error " + r.status);
  showImageWarning(r.ok ? r.data.warning : null);
}

function showImageWarning(text) {
  $("image-warning").textContent = text ? "Careful: " + text + "." : "";
  $("image-warning").hidden = !text;
}

// ---------- unsaved changes ----------

function onBeforeUnload(ev) {
  ev.preventDefault();
  ev.returnValue = ""; // older browsers want this to show their prompt
}

function updateDirty() {
  const dirty = S.clean !== null && JSON.stringify(buildDocument()) !== S.clean;
  if (dirty === S.dirty) return;
  S.dirty = dirty;
  $("unsaved").hidden = !dirty;
  // Registered only while something would be lost, so leaving a saved page never asks.
  if (dirty) window.addEventListener("beforeunload", onBeforeUnload);
  else window.removeEventListener("beforeunload", onBeforeUnload);
}

function markClean() {
  S.clean = JSON.stringify(buildDocument());
  updateDirty();
}

// ---------- what the edge runs ----------

function showSourceLock() {
  const input = $("camera-source");
  input.readOnly = S.sourceLocked;
  input.dataset.locked = String(S.sourceLocked);
  $("source-lock").hidden = !S.sourceLocked;
  if (S.sourceLocked) input.value = S.edgeConfig.config.source;
  input.title = input.value; // the field is narrow; a URL is long
}

function showOrigin(text) {
  $("config-origin").hidden = !text;
  $("config-origin").textContent = text || "";
  $("config-origin").dataset.origin = text ? "edge" : "";
}

function fromEdgeText(ec) {
  return `From the edge, not yet saved: the config the edge runs now (config ${ec.digest}). Save to keep it here.`;
}

function showEdgeOffer() {
  const ec = S.edgeConfig;
  const offer = Boolean(ec && S.latest && ec.digest !== S.latest.digest && !S.fromEdge);
  $("load-edge-config").hidden = !offer;
  if (offer) {
    const saved = ec.saved_version ? `saved here as version ${ec.saved_version}` : "not saved here";
    $("load-edge-config").textContent = `Load the config the edge runs (config ${ec.digest}, ${saved})`;
  }
}

function loadEdgeConfig() {
  if (!S.edgeConfig) return;
  edit(S.edgeConfig.config, "The config the edge runs");
  S.fromEdge = true;
  showOrigin(fromEdgeText(S.edgeConfig));
  showEdgeOffer();
}

// ---------- save, history, edge state ----------

async function save() {
  clearTimeout(S.validateTimer);
  S.validateSeq++;
  $("save").disabled = true;
  $("save-status").textContent = "Saving…";
  $("push-result").textContent = "";
  $("push-result").className = "";
  try {
    const r = await request("POST", api + "/configs", { config: buildDocument(), base_version: S.baseVersion });
    if (r.status === 201) {
      showProblems([], r.data.warnings || []);
      S.baseVersion = r.data.version;
      S.fromEdge = false;
      showOrigin(null);
      await loadState(false);
      markClean();
      $("save-status").textContent = `Saved as version ${r.data.version} (config ${r.data.digest}): ${r.data.summary}`;
      $("push-result").textContent = "Edge: " + r.data.push.message;
      $("push-result").className = "push-" + r.data.push.status;
    } else if (r.status === 422 && r.data && r.data.errors) {
      showProblems(r.data.errors, r.data.warnings || []);
      $("save-status").textContent = `Not saved: ${r.data.errors.length} problem(s), shown next to the fields.`;
    } else {
      $("save-status").textContent = "Not saved: " + detailText(r.data, "error " + r.status);
    }
  } finally {
    $("save").disabled = false;
  }
}

async function loadHistory() {
  const r = await request("GET", api + "/configs?limit=50");
  const body = $("history").tBodies[0];
  body.replaceChildren();
  if (!r.ok) return;
  for (const v of r.data.versions) {
    const tr = el("tr");
    tr.dataset.version = String(v.version);
    tr.appendChild(el("td", "v" + v.version));
    tr.appendChild(el("td", v.created_local));
    tr.appendChild(el("td", v.created_by));
    tr.appendChild(el("td", v.summary, "summary"));
    const push = el("td", v.push_status ? v.push_status.replace("_", " ") : "", "push-" + (v.push_status || "none"));
    push.title = v.push_detail || "";
    // The push answer is from the save; an edge that was offline then gets the version
    // when it reconnects, so say which version it runs now as well.
    if (S.edgeRuns && S.edgeRuns.version === v.version) {
      push.appendChild(el("span", S.edgeRuns.live ? "runs it now" : "ran it when last heard from", "runs-now"));
    }
    tr.appendChild(push);
    const td = el("td", null, "row-actions");
    const a = el("a", "YAML", "yaml-link");
    a.href = v.yaml_url;
    a.download = `${cameraId}-v${v.version}.yaml`;
    td.appendChild(a);
    const load = el("button", "Load", "load-version");
    load.type = "button";
    load.dataset.version = String(v.version);
    td.appendChild(load);
    tr.appendChild(td);
    body.appendChild(tr);
  }
  if (!r.data.versions.length) {
    const tr = el("tr");
    const td = el("td", "No saved version yet.");
    td.colSpan = 6;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  const latest = r.data.versions[0];
  $("export-yaml").hidden = !latest;
  if (latest) {
    $("export-yaml").href = latest.yaml_url;
    $("export-yaml").download = `${cameraId}-v${latest.version}.yaml`;
    $("export-yaml").textContent = `Export version ${latest.version} as YAML`;
  }
}

// ``problem``: why the edge did not answer just now although its last heartbeat is
// recent (its link closed since, or it refused): then only that heartbeat speaks for it.
function showEdgeState(edge, latest, problem) {
  let text;
  const live = edge.link && edge.connected && !problem;
  if (!edge.link) text = "This server has no edge link (ingest off): saved versions reach the edge from a server with the ingest.";
  else if (problem) text = `Edge not reachable right now: ${problem}.`;
  else text = edge.connected ? "Edge connected." : "Edge not connected right now.";
  const runs = live ? "It runs" : "When last heard from, it ran";
  const v = edge.config_version;
  if (edge.state === "latest") text += ` ${runs} the latest version ${edge.running_version} (config ${v}).`;
  else if (edge.state === "old") text += ` ${runs} an OLD config: version ${edge.running_version} (config ${v}); the latest is version ${latest}.`;
  else if (edge.state === "unknown") text += ` ${runs} a config that was not saved here (config ${v}); the latest is version ${latest}.`;
  else if (edge.state === "unreported") text += " It has not reported which config it runs.";
  $("edge-state").textContent = text;
  $("edge-state").dataset.state = edge.state;
}

async function loadState(reloadDocument) {
  const r = await request("GET", api + "/calibration");
  if (!r.ok) {
    $("save-status").textContent = "Cannot load this camera: " + detailText(r.data, "error " + r.status);
    return;
  }
  const st = r.data;
  S.edgeConfig = null;
  let edgeProblem = "";
  if (st.edge.connected) {
    const e = await request("GET", api + "/edge-config");
    if (e.ok) S.edgeConfig = e.data;
    else edgeProblem = detailText(e.data, "error " + e.status);
  }
  S.sourceLocked = Boolean(S.edgeConfig) && !S.sourceUnlocked;
  if (reloadDocument) {
    S.baseVersion = st.latest ? st.latest.version : null;
    S.fromEdge = !st.latest && Boolean(S.edgeConfig);
    const skeleton = { camera_id: cameraId, source: "", facades: [{ name: "facade-1" }] };
    loadDocument(st.latest ? st.latest.config : S.fromEdge ? S.edgeConfig.config : skeleton);
    showOrigin(S.fromEdge ? fromEdgeText(S.edgeConfig) : null);
    if (st.image) showImage(st.image);
    else { canvas.hidden = true; $("no-image").hidden = false; updateHint(); }
  } else if (st.latest) {
    S.base = clone(st.latest.config);
    // What was typed into an unlocked field is shown masked from now on.
    if (!S.sourceLocked) $("camera-source").value = st.latest.config.source;
  }
  showSourceLock();
  if (reloadDocument) markClean();
  S.latest = st.latest;
  showEdgeOffer();
  // The edge's answer just now is fresher than its last stored heartbeat.
  const edge = S.edgeConfig
    ? { ...st.edge, state: S.edgeConfig.state, running_version: S.edgeConfig.saved_version, config_version: S.edgeConfig.digest }
    : st.edge;
  showEdgeState(edge, st.latest ? st.latest.version : null, edgeProblem);
  S.edgeRuns = { version: edge.running_version, live: Boolean(S.edgeConfig) };
  await loadHistory();
}

// Put an older version (or an imported YAML) into the editor; saving makes it the
// newest version, so going back is itself recorded in the history.
function edit(doc, what) {
  loadDocument(doc);
  S.fromEdge = false;
  showOrigin(null);
  showEdgeOffer();
  S.handle = null;
  S.draft = null;
  $("save-status").textContent = `${what} is in the editor; save to make it the latest version.`;
  $("push-result").textContent = "";
  changed();
}

async function loadVersion(version) {
  const r = await request("GET", `${api}/configs/${version}`);
  if (r.ok) edit(r.data.config, `Version ${version}`);
  else $("save-status").textContent = "Cannot load: " + detailText(r.data, "error " + r.status);
}

async function importYaml(file) {
  const r = await request("POST", api + "/configs/import", { yaml: await file.text() });
  if (r.ok) edit(r.data.config, `The imported ${file.name}`);
  else $("save-status").textContent = `Not imported: ${file.name}: ` + detailText(r.data, "error " + r.status);
}

// ---------- check mode ----------

async function loadCheckEvents() {
  const n = Math.max(1, Math.min(Number($("check-count").value) || 5, Number(root.dataset.maxCheck)));
  const r = await request("GET", `${api}/check-events?limit=${n}`);
  const list = $("check-list");
  list.replaceChildren();
  if (!r.ok) { list.appendChild(el("li", "Cannot load events: " + detailText(r.data, "error " + r.status))); return; }
  S.checkEvents = r.data.events;
  if (!S.checkEvents.length) list.appendChild(el("li", "No event from this camera yet: make a test drop.", "hint"));
  for (const ev of S.checkEvents) {
    const li = el("li");
    li.dataset.eventId = ev.event_id;
    li.appendChild(el("span", `${ev.occurred_local}: `));
    li.appendChild(el("strong", `floor ${ev.floor ?? "?"}, column ${ev.column ?? "?"}`, "edge-floor"));
    const f = S.facades.find((x) => x.name === ev.facade) || cur();
    const geo = f && geometry(f);
    if (geo && ev.origin[0] != null) {
      const c = cellOf(geo, ev.origin);
      const same = c.floor === ev.floor && c.column === ev.column;
      li.appendChild(el("span", same ? " · this calibration agrees" : ` · this calibration gives floor ${c.floor}, column ${c.column}`, same ? "agree" : "disagree"));
    }
    list.appendChild(li);
  }
  draw();
}

function toggleCheck() {
  clearInterval(S.checkTimer);
  if ($("check-mode").checked) {
    loadCheckEvents();
    S.checkTimer = setInterval(loadCheckEvents, CHECK_REFRESH_MS);
  } else {
    S.checkEvents = [];
    $("check-list").replaceChildren();
    draw();
  }
}

// ---------- wiring ----------

canvas.addEventListener("pointerdown", onPointerDown);
canvas.addEventListener("pointermove", onPointerMove);
canvas.addEventListener("pointerup", onPointerUp);
canvas.addEventListener("pointercancel", onPointerUp);
canvas.addEventListener("keydown", onKey);
window.addEventListener("resize", draw);
for (const t of ["corners", "mask", "privacy"]) $("tool-" + t).addEventListener("click", () => setTool(t));
$("reset-corners").addEventListener("click", () => { cur().corners = []; S.handle = null; setTool("corners"); changed(); });
$("polygon-close").addEventListener("click", closeDraft);
$("polygon-cancel").addEventListener("click", () => { S.draft = null; updateHint(); draw(); });
$("facade-select").addEventListener("change", (ev) => selectFacade(Number(ev.target.value)));
$("facade-add").addEventListener("click", () => {
  const names = new Set(S.facades.map((f) => f.name));
  let n = S.facades.length + 1;
  while (names.has("facade-" + n)) n++;
  S.facades.push(facadeFrom({ name: "facade-" + n, floor_height_m: cur().floor_height_m }));
  selectFacade(S.facades.length - 1);
  setTool("corners");
  changed();
});
$("facade-remove").addEventListener("click", () => {
  if (S.facades.length < 2) return;
  S.facades.splice(S.selected, 1);
  S.handle = null;
  selectFacade(Math.min(S.selected, S.facades.length - 1));
  changed();
});
for (const input of document.querySelectorAll("[data-facade-key]")) {
  input.addEventListener("input", () => {
    cur()[input.dataset.facadeKey] = input.value;
    refreshFacadeList();
    changed();
  });
}
for (const input of document.querySelectorAll("#settings [data-path], #camera-source")) input.addEventListener("change", changed);
$("set-motion-facade_margin_m")?.addEventListener("input", draw);
$("camera-source").addEventListener("input", updateDirty);
$("source-unlock").addEventListener("click", () => {
  S.sourceUnlocked = true;
  S.sourceLocked = false;
  showSourceLock();
  $("source-note").hidden = false;
  $("source-note").textContent = "The edge refuses a config with another source until its --config names that source and it is restarted.";
  $("camera-source").focus();
});
$("load-edge-config").addEventListener("click", loadEdgeConfig);
for (const list of [$("mask-list"), $("privacy-list")]) {
  list.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.delete");
    if (!b) return;
    (b.dataset.kind === "mask" ? S.masks : S.privacy).splice(Number(b.dataset.index), 1);
    S.handle = null;
    refreshPolygonLists();
    changed();
  });
}
$("snapshot-fetch").addEventListener("click", fetchFromEdge);
$("snapshot-upload").addEventListener("change", (ev) => { if (ev.target.files[0]) upload(ev.target.files[0]); });
$("save").addEventListener("click", save);
$("history").addEventListener("click", (ev) => {
  const b = ev.target.closest("button.load-version");
  if (b) loadVersion(Number(b.dataset.version));
});
$("config-import").addEventListener("change", (ev) => { if (ev.target.files[0]) importYaml(ev.target.files[0]); });
$("check-mode").addEventListener("change", toggleCheck);
$("check-refresh").addEventListener("click", loadCheckEvents);
$("check-count").addEventListener("change", () => $("check-mode").checked && loadCheckEvents());

// For tests and the curious: the page's own geometry, in image px.
window.fallwatchCalibration = {
  gridLines: (i, samples) => { const geo = geometry(S.facades[i]); return geo ? gridLines(geo, samples) : null; },
  marginOutline: (i) => { const geo = geometry(S.facades[i]); return geo ? marginOutline(geo, marginM()) : null; },
  cellOfPixel: (i, x, y) => { const geo = geometry(S.facades[i]); return geo ? cellOf(geo, [x, y]) : null; },
  corners: (i) => clone(S.facades[i].corners),
  canvasPoint: (x, y) => {
    // Client (CSS) coordinates of an image point, for driving the page.
    const r = canvas.getBoundingClientRect();
    const s = r.width / canvas.width;
    return [r.left + (x + S.margin) * s, r.top + (y + S.margin) * s];
  },
  document: buildDocument,
  unsaved: () => S.dirty,
};

loadState(true);
