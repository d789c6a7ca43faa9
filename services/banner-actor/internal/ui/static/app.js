// AirDisplay live board. Every piece of user text is set with textContent,
// never innerHTML, so a message can never inject markup or script.
'use strict';

// The board shows one page of the listing, or one banner found by id, and
// follows only those banners live: with thousands of banners neither the
// page nor its WebSocket ever holds more than a page of them.
const PAGE_SIZE = 24;
const board = {
  mode: 'page', // 'page' or 'find'
  cursor: '', // the shown page's cursor ('' for the first)
  back: [], // cursors of the pages before it, for Previous
  next: '', // the next page's cursor ('' at the end)
  id: '', // the banner found, in 'find' mode
  ids: [], // the banners on screen, in order
  gen: 0, // bumped on every change of board, to drop stale answers
};
const banners = new Map(); // id -> {view, el}, only the banners on screen
const received = new Map(); // banner id -> WebSocket events received for it
const $ = (id) => document.getElementById(id);

// The API key (writes always need one; reads when the server sets
// AUTH_READS). It is kept in sessionStorage (this tab only), entered in the
// header or handed over once in the URL fragment (#token=…), which is then
// removed from the address bar. It travels as `Authorization: Bearer` on
// fetches and, since a browser cannot set headers on a WebSocket, as the
// subprotocol "bearer.<key>" beside "airdisplay.v1".
const KEY_STORAGE = 'airdisplay.apiKey';

function apiKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lasts until reload */ }
  showKeyState();
}

function takeKeyFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get('token');
  if (key === null) return;
  setApiKey(key.trim());
  history.replaceState(null, '', location.pathname + location.search);
}

function showKeyState() {
  $('key-state').textContent = apiKey() ? 'key set' : 'no key';
}

function withKey(headers) {
  const key = apiKey();
  return key ? { ...headers, Authorization: 'Bearer ' + key } : headers;
}

function needsKey(needed) {
  const hint = $('auth-needed');
  hint.hidden = !needed;
  hint.textContent = needed
    ? (apiKey() ? 'The API key was refused: this needs a valid API key. Enter another one above.'
      : 'This needs an API key: enter one above (or open the page with #token=<key>).')
    : '';
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: withKey(options.headers || {}) });
  if (res.status === 401) needsKey(true);
  return res;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function card(id) {
  let entry = banners.get(id);
  if (entry) return entry;
  const root = el('article', 'banner');
  root.dataset.bannerId = id;
  const name = el('div', 'name');
  const location = el('div', 'location');
  const display = el('div', 'display idle');
  display.dataset.role = 'message';
  const meta = el('div', 'meta');
  const author = el('span', 'author');
  const countdown = el('span', 'countdown');
  countdown.dataset.role = 'countdown';
  meta.append(author, countdown);
  const queueTitle = el('div', 'location');
  const queue = el('ol', 'queue');
  queue.dataset.role = 'queue';
  root.append(name, location, display, meta, queueTitle, queue);
  $('banners').append(root);
  entry = { view: null, el: { root, name, location, display, author, countdown, queueTitle, queue } };
  banners.set(id, entry);
  const opt = el('option');
  opt.value = id;
  $('banner-ids').append(opt);
  return entry;
}

// apply renders a view of a banner on screen unless a newer one was
// already shown.
function apply(view) {
  if (!board.ids.includes(view.id)) return;
  const entry = card(view.id);
  if (entry.view && view.version <= entry.view.version) return;
  entry.view = view;
  const e = entry.el;
  e.name.textContent = view.name || view.id;
  e.location.textContent = view.location || '';
  if (view.current) {
    e.display.textContent = view.current.text;
    e.display.classList.remove('idle');
    e.author.textContent = view.current.author ? '— ' + view.current.author : '';
  } else {
    e.display.textContent = 'no message';
    e.display.classList.add('idle');
    e.author.textContent = '';
  }
  e.queue.replaceChildren(...(view.queue || []).map((m) => el('li', '', m.text)));
  e.queueTitle.textContent = view.queue && view.queue.length ? `queued (${view.queue.length})` : '';
  tick();
}

function tick() {
  const now = Date.now();
  for (const { view, el: e } of banners.values()) {
    if (!view || !view.current || !view.current.expiresAt) { e.countdown.textContent = ''; continue; }
    const left = Math.max(0, Math.ceil((Date.parse(view.current.expiresAt) - now) / 1000));
    e.countdown.textContent = left > 0 ? `${left}s left` : 'expiring…';
  }
}

// fetchBoard reads what the board shows: the views, in order, or null
// when the API could not answer.
async function fetchBoard() {
  if (board.mode === 'find') {
    const res = await api(`/v1/banners/${encodeURIComponent(board.id)}`);
    if (res.status === 404) return [];
    return res.ok ? [await res.json()] : null;
  }
  const res = await api(`/v1/banners?limit=${PAGE_SIZE}` + (board.cursor ? '&cursor=' + encodeURIComponent(board.cursor) : ''));
  if (!res.ok) return null;
  const page = await res.json();
  board.next = page.nextCursor || '';
  return page.banners;
}

// showBoard reads the board, renders it, and follows its banners live. The
// WebSocket subscribes first and the board is read again once it is open,
// so no change made in between is missed (apply keeps the newest version).
async function showBoard() {
  const gen = ++board.gen;
  let views = null;
  try { views = await fetchBoard(); } catch { /* offline */ }
  if (gen !== board.gen) return;
  if (views === null) {
    setStatus('offline', $('auth-needed').hidden ? 'reconnecting…' : 'needs an API key');
    setTimeout(() => { if (gen === board.gen) showBoard(); }, $('auth-needed').hidden ? 1000 : 5000);
    return;
  }
  needsKey(false);
  banners.clear();
  $('banners').replaceChildren();
  $('banner-ids').replaceChildren();
  board.ids = views.map((v) => v.id);
  views.forEach(apply);
  showPager(views.length);
  follow(gen);
}

function showPager(shown) {
  const paging = board.mode === 'page';
  $('page-prev').disabled = !paging || board.back.length === 0;
  $('page-next').disabled = !paging || !board.next;
  const first = board.back.length * PAGE_SIZE + 1;
  $('page-info').textContent = !paging
    ? (shown ? `banner ${board.id}` : `no banner ${board.id}`)
    : (shown ? `banners ${first}–${first + shown - 1}` : 'no banners yet: register one');
}

let ws = null;

// follow opens a WebSocket for the banners on screen (none: no socket).
function follow(gen) {
  const old = ws;
  ws = null;
  if (old) old.close();
  if (board.ids.length === 0) { setStatus('live', 'live'); return; }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const key = apiKey();
  const url = `${scheme}://${location.host}/v1/ws?banners=${board.ids.map(encodeURIComponent).join(',')}`;
  try {
    ws = new WebSocket(url, key ? ['airdisplay.v1', 'bearer.' + key] : []);
  } catch {
    // Only letters, digits and !#$%&'*+-.^_`|~ can travel as a subprotocol.
    setStatus('offline', 'this API key cannot be used for live updates');
    return;
  }
  const current = ws;
  ws.onopen = async () => {
    let views = null;
    try { views = await fetchBoard(); } catch { /* the socket's close retries */ }
    if (current !== ws || gen !== board.gen || views === null) return;
    views.forEach(apply);
    setStatus('live', 'live');
  };
  ws.onmessage = (msg) => {
    if (current !== ws) return; // a socket being replaced: the board changed
    let ev;
    try { ev = JSON.parse(msg.data); } catch { return; }
    if (ev.type === 'hello' || !ev.banner) return;
    received.set(ev.banner.id, (received.get(ev.banner.id) || 0) + 1);
    apply(ev.banner);
  };
  ws.onclose = () => {
    if (current !== ws) return; // replaced: the board changed or the key did
    ws = null;
    setStatus('offline', 'reconnecting…');
    setTimeout(() => { if (gen === board.gen) showBoard(); }, 1000);
  };
}

function showPage(cursor, back) {
  Object.assign(board, { mode: 'page', cursor, back, next: '', id: '' });
  showBoard();
}

function findBanner(id) {
  Object.assign(board, { mode: 'find', id, cursor: '', back: [], next: '' });
  showBoard();
}

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

function show(target, kind, text) {
  target.dataset.kind = kind;
  target.textContent = text;
}

function problem(body) {
  if (body && body.fields && body.fields.length) return body.fields.map((f) => `${f.field} ${f.reason}`).join('; ');
  return (body && body.error) || 'request failed';
}

$('post-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('post-banner').value;
  const out = $('post-result');
  const res = await api(`/v1/banners/${encodeURIComponent(id)}/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: $('post-text').value, author: $('post-author').value, queue: $('post-queue').checked }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) show(out, 'error', 'Not posted: this needs an API key (enter one above).');
  else if (res.status === 201) show(out, 'ok', 'Shown now.');
  else if (res.status === 202) show(out, 'ok', `Queued at position ${body.position}.`);
  else if (res.status === 409) {
    const at = new Date(body.availableAt);
    show(out, 'error', `Busy: ${body.error}. Free at ${at.toLocaleTimeString()} (retry in ${res.headers.get('Retry-After')}s), or tick "queue if busy".`);
  } else show(out, 'error', problem(body));
  if (body.banner) apply(body.banner);
});

$('register-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('reg-id').value;
  const out = $('reg-result');
  const res = await api(`/v1/banners/${encodeURIComponent(id)}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: $('reg-name').value, location: $('reg-location').value }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) show(out, 'error', 'Not registered: this needs an API key (enter one above).');
  else if (res.ok) { show(out, 'ok', `Registered ${id}.`); findBanner(id); } else show(out, 'error', problem(body));
});

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setApiKey($('key-input').value.trim());
  $('key-input').value = '';
  needsKey(false);
  showBoard();
});

$('key-forget').addEventListener('click', () => {
  setApiKey('');
  showBoard();
});

$('find-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = $('find-id').value.trim();
  if (id) findBanner(id);
});
$('show-all').addEventListener('click', () => { $('find-id').value = ''; showPage('', []); });
$('page-next').addEventListener('click', () => showPage(board.next, [...board.back, board.cursor]));
$('page-prev').addEventListener('click', () => {
  const back = [...board.back];
  showPage(back.pop() || '', back);
});

takeKeyFromFragment();
showKeyState();
setInterval(tick, 250);
// ?banner=<id> opens the board on that banner.
const wanted = new URLSearchParams(location.search).get('banner');
if (wanted) { $('find-id').value = wanted; findBanner(wanted); } else showPage('', []);
