// fallwatch review pages: keyboard review, live queue (server-sent events), actions.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function post(url, body) {
  const resp = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); }
  if (!resp.ok) {
    let detail = resp.statusText;
    try { const j = await resp.json(); detail = typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail); } catch (e) { /* keep statusText */ }
    throw new Error(detail);
  }
  return resp.json();
}

function typing(ev) {
  const t = ev.target;
  return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

function beep() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  const ctx = new Ctx();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.value = 0.2;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.35);
}

function text(tag, value, cls) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = value;
  return el;
}

function queueRow(ev) {
  const tr = document.createElement("tr");
  tr.className = "event-row status-" + ev.status + " fresh";
  tr.dataset.eventId = ev.event_id;
  tr.dataset.href = ev.url;
  const thumb = document.createElement("td");
  thumb.className = "thumb";
  if (ev.thumbnail_url) {
    const img = document.createElement("img");
    img.src = ev.thumbnail_url; img.alt = "snapshot"; img.loading = "lazy";
    thumb.appendChild(img);
  } else {
    thumb.appendChild(text("span", ev.privacy === "withheld" ? "withheld" : "no image", "nothumb"));
  }
  tr.appendChild(thumb);
  const time = document.createElement("td");
  const a = text("a", ev.occurred_local);
  a.href = ev.url;
  time.appendChild(a);
  tr.appendChild(time);
  tr.appendChild(text("td", ev.camera_id));
  tr.appendChild(text("td", ev.floor ?? "?", "big"));
  tr.appendChild(text("td", ev.column ?? "?", "big"));
  tr.appendChild(text("td", ev.score == null ? "" : ev.score.toFixed(2)));
  tr.appendChild(text("td", ev.status.replace("_", " "), "status"));
  return tr;
}

function initQueue() {
  const table = document.getElementById("queue");
  const body = table.tBodies[0];
  const sound = document.getElementById("sound");
  sound.checked = localStorage.getItem("fallwatch.sound") === "on";
  sound.addEventListener("change", () => localStorage.setItem("fallwatch.sound", sound.checked ? "on" : "off"));
  let selected = -1;
  const rows = () => Array.from(body.querySelectorAll("tr.event-row"));
  const select = (i) => {
    const rs = rows();
    if (!rs.length) return;
    selected = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach((r, k) => r.classList.toggle("selected", k === selected));
    rs[selected].scrollIntoView({ block: "nearest" });
  };
  body.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr.event-row");
    if (tr && ev.target.tagName !== "A") location.href = tr.dataset.href;
  });
  const decide = async (status) => {
    const tr = rows()[selected];
    if (!tr) return;
    const ev = await post("/api/events/" + tr.dataset.eventId + "/review", { status });
    tr.className = "event-row selected status-" + ev.status;
    tr.querySelector(".status").textContent = ev.status.replace("_", " ");
  };
  document.addEventListener("keydown", (ev) => {
    if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "j") select(selected + 1);
    else if (ev.key === "k") select(selected - 1);
    else if (ev.key === "Enter" && selected >= 0) location.href = rows()[selected].dataset.href;
    else if (ev.key === "c") decide("confirmed").catch((e) => alert(e.message));
    else if (ev.key === "f") decide("false_alarm").catch((e) => alert(e.message));
  });

  const source = new EventSource("/api/events/stream?after=" + encodeURIComponent(table.dataset.lastRowId));
  source.addEventListener("new-event", (msg) => {
    const ev = JSON.parse(msg.data);
    if (table.dataset.filtered === "yes") {
      document.getElementById("live-banner").hidden = false;
    } else {
      body.querySelector("tr.empty")?.remove();
      body.insertBefore(queueRow(ev), body.firstChild);
      if (selected >= 0) select(selected + 1);
    }
    if (sound.checked) beep();
  });
  source.addEventListener("logout", () => { source.close(); location.href = "/login"; });
}

function initEvent() {
  const box = document.getElementById("event");
  const id = box.dataset.eventId;
  const message = document.getElementById("message");
  const note = document.getElementById("note");
  const decide = async (status) => {
    try {
      await post("/api/events/" + id + "/review", { status });
      location.reload();
    } catch (e) { message.textContent = "Not saved: " + e.message; }
  };
  document.getElementById("confirm").addEventListener("click", () => decide("confirmed"));
  document.getElementById("false-alarm").addEventListener("click", () => decide("false_alarm"));
  const saveNote = async () => {
    const value = note.value.trim();
    if (!value) return;
    try {
      await post("/api/events/" + id + "/notes", { text: value });
      location.reload();
    } catch (e) { message.textContent = "Not saved: " + e.message; }
  };
  document.getElementById("note-form").addEventListener("submit", (ev) => { ev.preventDefault(); saveNote(); });
  note.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && ev.ctrlKey) { ev.preventDefault(); saveNote(); }
    if (ev.key === "Escape") note.blur();
  });
  document.addEventListener("keydown", (ev) => {
    if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "c") decide("confirmed");
    else if (ev.key === "f") decide("false_alarm");
    else if (ev.key === "n") { ev.preventDefault(); note.focus(); }
    else if (ev.key === "j" && box.dataset.older) location.href = "/events/" + box.dataset.older;
    else if (ev.key === "k" && box.dataset.newer) location.href = "/events/" + box.dataset.newer;
    else if (ev.key === " ") {
      const clip = document.getElementById("clip");
      if (clip) { ev.preventDefault(); clip.paused ? clip.play() : clip.pause(); }
    }
  });
  // Over a snapshot the overlay uses the image's own pixel grid.
  const img = document.getElementById("snapshot");
  const svg = document.getElementById("overlay");
  const fit = () => svg.setAttribute("viewBox", "0 0 " + img.naturalWidth + " " + img.naturalHeight);
  if (img && svg) { if (img.complete && img.naturalWidth) fit(); else img.addEventListener("load", fit); }
}

function initUsers() {
  const form = document.getElementById("user-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    try { await post("/api/users", data); location.reload(); }
    catch (e) { document.getElementById("message").textContent = "Not added: " + e.message; }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("logout")?.addEventListener("click", async () => {
    await post("/logout").catch(() => null);
    location.href = "/login";
  });
  const page = document.body.dataset.page;
  if (page === "queue") initQueue();
  else if (page === "event") initEvent();
  else if (page === "users") initUsers();
});
