// The procesregie board: signs in through the Matrix widget API (an OpenID token from the
// client, checked by the bot against the homeserver), then shows the open casussen per
// phase and refreshes itself. It holds no personal data: references, dates, phases and
// display names only.
"use strict";

const params = new URLSearchParams(location.search);
const widgetId = params.get("widgetId") || "";
const parentOrigin = (() => {
  try { return new URL(params.get("parentUrl") || "").origin; } catch { return "*"; }
})();
const REFRESH_MS = 30000;
let pending = {};
let board = null;
// The first load of the page is a view (the bot writes it to the audit log); refreshes not.
let firstView = true;

function setTheme() {
  const theme = params.get("theme");
  const dark = theme ? theme.includes("dark")
                     : matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

function status(text) { document.getElementById("status").textContent = text; }

// --- the widget API (postMessage with the client that embeds the board) ----------------
window.addEventListener("message", (event) => {
  if (event.source !== window.parent) return;
  const message = event.data || {};
  if (message.api === "toWidget" && !message.response) {
    if (message.action === "capabilities") {
      reply(message, { capabilities: [] });
    } else if (message.action === "openid_credentials") {
      reply(message, {});
      const waiting = pending[message.data && message.data.original_request_id];
      if (waiting) waiting(message.data);
    } else {
      reply(message, {});
    }
  } else if (message.api === "fromWidget" && message.response) {
    const waiting = pending[message.requestId];
    if (waiting && message.response.state !== "request") waiting(message.response);
  }
});

function reply(message, response) {
  window.parent.postMessage({ ...message, response }, parentOrigin);
}

function askClient(action, data) {
  const requestId = "bord-" + Math.random().toString(36).slice(2);
  return new Promise((resolve) => {
    pending[requestId] = resolve;
    window.parent.postMessage(
      { api: "fromWidget", widgetId, requestId, action, data }, parentOrigin);
  });
}

async function signIn() {
  if (window.parent === window) {
    status("Open het bord vanuit Element, in de kamer waar het als widget staat.");
    return false;
  }
  status("Aanmelden via Element…");
  const credentials = await askClient("get_openid", {});
  if (!credentials || credentials.state !== "allowed") {
    status("Element gaf geen toestemming om je te herkennen; zonder kan het bord niet.");
    return false;
  }
  const response = await fetch("sessie", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ access_token: credentials.access_token,
                           matrix_server_name: credentials.matrix_server_name }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    status(body.fout || "Aanmelden lukte niet.");
    return false;
  }
  return true;
}

async function load(again) {
  const response = await fetch(firstView ? "gegevens?weergave=1" : "gegevens",
                               { credentials: "same-origin" });
  if (response.status === 401 && !again) {
    if (await signIn()) return load(true);
    return;
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    status(body.fout || "Het bord is nu niet beschikbaar.");
    return;
  }
  board = await response.json();
  firstView = false;
  render();
  setTimeout(() => load(false), REFRESH_MS);
}

// --- showing it ------------------------------------------------------------------------
function text(tag, content, className) {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

function render() {
  const mine = document.getElementById("filter-mine").checked;
  const overdue = document.getElementById("filter-overdue").checked;
  const tafelSelect = document.getElementById("filter-tafel");
  const known = new Set([...tafelSelect.options].map((o) => o.value));
  for (const tafel of board.tafels) {
    if (!known.has(tafel)) tafelSelect.append(new Option(tafel, tafel));
  }
  const tafel = tafelSelect.value;
  document.getElementById("filters").hidden = false;
  document.title = board.words.title;
  document.querySelector("h1").textContent = board.words.title;
  const root = document.getElementById("board");
  root.replaceChildren();
  let shown = 0;
  for (const column of board.columns) {
    const section = document.createElement("section");
    section.className = "column";
    const id = "kolom-" + column.key;
    section.setAttribute("aria-labelledby", id);
    const cards = column.cards.filter((card) =>
      (!mine || card.mine) && (!overdue || card.overdue_actions > 0) &&
      (!tafel || card.tafel === tafel));
    const heading = text("h2", `${column.label} (${cards.length})`);
    heading.id = id;
    section.append(heading);
    const list = document.createElement("ul");
    for (const card of cards) list.append(renderCard(card));
    if (!cards.length) list.append(text("li", "geen", "empty"));
    section.append(list);
    root.append(section);
    shown += cards.length;
  }
  status(`${shown} casussen, bijgewerkt om ${board.updated}.`);
}

function renderCard(card) {
  const item = document.createElement("li");
  item.className = "card";
  item.tabIndex = 0;
  item.append(text("div", card.reference, "ref"));
  const details = document.createElement("dl");
  const add = (label, value, className) => {
    if (value === null || value === undefined || value === "") return;
    details.append(text("dt", label), text("dd", String(value), className));
  };
  add("in fase", card.days_in_phase === 1 ? "1 dag" : `${card.days_in_phase} dagen`);
  add("stand", card.note);
  add("volgend overleg", card.next_overleg);
  add(board.words.casusregisseur, card.casusregisseur);
  if (card.open_actions || card.overdue_actions) {
    add("acties open", card.open_actions);
    if (card.overdue_actions) add("verlopen", card.overdue_actions, "late");
  }
  item.append(details);
  item.setAttribute("aria-label", `${card.reference}, ${item.textContent.slice(card.reference.length)}`);
  return item;
}

setTheme();
for (const id of ["filter-mine", "filter-overdue", "filter-tafel"]) {
  document.getElementById(id).addEventListener("change", () => board && render());
}
load(false);
