// The sandbox chat page: a Telegram-like client for the local Bot API emulator.
//
// Everything the bot or a user wrote is put on the page with textContent / DOM nodes built
// from the emulator's parsed entities: no bot or user string ever goes through innerHTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  const DEFAULT_USER = 1001;
  const MAX_USER_ID = 2 ** 52 - 1;

  const state = {
    user: null,
    users: [],
    commands: [],
    limits: { text: 4096, file: 5 * 1024 * 1024, caption: 1024 },
    clock: null,
    clockBase: 0,
    messages: new Map(), // id -> { view, node }
    lastId: 0,
    es: null,
    connected: false,
    reconnectDelay: 800,
    reconnectTimer: null,
    buffered: null,
    pending: new Map(), // callback query id -> button
    answered: new Set(),
    typingTimer: null,
    commandIndex: -1, // the highlighted suggestion: none until the arrow keys move it
    commandItems: [],
    unread: 0,
    stick: true,
    clockRefresh: null,
    formats: null,
    today: null, // the bot's day the day labels were written for
  };

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", body, form } = {}) {
    const options = { method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    } else if (form) {
      options.body = form;
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      throw new ApiError("The sandbox is not reachable — is it still running? Retrying…", 0);
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      throw new ApiError((data && data.error) || `HTTP ${response.status}`, response.status);
    }
    return data;
  }

  // ------------------------------------------------------------------ time formatting

  function zoneFormats(zone, offsetS) {
    const options = (extra) => Object.assign({ hour12: false }, extra);
    try {
      const make = (extra) => new Intl.DateTimeFormat("en-GB", options(Object.assign({ timeZone: zone }, extra)));
      return { time: make({ hour: "2-digit", minute: "2-digit" }), day: make({ weekday: "long", day: "numeric", month: "long" }),
        short: make({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }),
        key: make({ year: "numeric", month: "2-digit", day: "2-digit" }), shift: 0 };
    } catch {
      const make = (extra) => new Intl.DateTimeFormat("en-GB", options(Object.assign({ timeZone: "UTC" }, extra)));
      return { time: make({ hour: "2-digit", minute: "2-digit" }), day: make({ weekday: "long", day: "numeric", month: "long" }),
        short: make({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }),
        key: make({ year: "numeric", month: "2-digit", day: "2-digit" }), shift: (offsetS || 0) * 1000 };
    }
  }

  function formats() {
    if (!state.formats) {
      const clock = state.clock || { zone: Intl.DateTimeFormat().resolvedOptions().timeZone, utc_offset_s: 0 };
      state.formats = zoneFormats(clock.zone, clock.utc_offset_s);
    }
    return state.formats;
  }

  const fmt = (kind, ms) => formats()[kind].format(new Date(ms + formats().shift));
  const botNow = () => (state.clock ? state.clock.now_ms + (performance.now() - state.clockBase) : Date.now());

  function dayLabel(ms) {
    const key = fmt("key", ms);
    if (key === fmt("key", botNow())) return "Today";
    if (key === fmt("key", botNow() - 86400000)) return "Yesterday";
    if (key === fmt("key", botNow() + 86400000)) return "Tomorrow";
    return fmt("day", ms);
  }

  function humanDuration(seconds) {
    const minutes = Math.round(seconds / 60);
    if (minutes < 1) return `${Math.max(1, Math.round(seconds))} s`;
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    const parts = [];
    if (days) parts.push(`${days} d`);
    if (hours) parts.push(`${hours} h`);
    if (mins && !days) parts.push(`${mins} min`);
    return parts.join(" ") || "0 min";
  }

  function humanSize(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${bytes} B`;
  }

  // ------------------------------------------------------------------ entities → DOM

  function safeUrl(raw) {
    if (typeof raw !== "string") return null;
    let candidate = raw.trim();
    if (!/^[a-z][a-z0-9+.-]*:/i.test(candidate)) candidate = `http://${candidate}`;
    try {
      const url = new URL(candidate);
      return ["http:", "https:", "mailto:", "tel:"].includes(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, className) {
    const a = el("a", className);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  const COMMAND_RE = /(^|[\s(«"'])(\/[A-Za-z0-9_]{1,32})(?![A-Za-z0-9_/])/g;

  // Plain text; in bot messages a /command is tappable, as in Telegram.
  function appendText(parent, text, linkCommands) {
    if (!text) return;
    if (!linkCommands) {
      parent.appendChild(document.createTextNode(text));
      return;
    }
    let last = 0;
    for (const match of text.matchAll(COMMAND_RE)) {
      const start = match.index + match[1].length;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      parent.appendChild(commandLink(match[2]));
      last = start + match[2].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function commandLink(command) {
    const a = el("a", "command", command);
    a.href = "#";
    a.addEventListener("click", (event) => {
      event.preventDefault();
      sendText(command);
    });
    return a;
  }

  function entityNode(entity, text) {
    switch (entity.type) {
      case "bold": return { node: el("strong") };
      case "italic": return { node: el("em") };
      case "underline": return { node: el("u") };
      case "strikethrough": return { node: el("s") };
      case "spoiler": {
        const node = el("span", "spoiler");
        node.title = "Spoiler: click to show";
        node.addEventListener("click", () => node.classList.add("revealed"));
        return { node };
      }
      case "code": return { node: el("code", "inline-code"), plain: true };
      case "pre": {
        const pre = el("pre", "pre");
        if (entity.language) pre.appendChild(el("span", "pre-lang", entity.language));
        const code = el("code");
        pre.appendChild(code);
        return { node: pre, inner: code, plain: true };
      }
      case "blockquote": return { node: el("blockquote") };
      case "expandable_blockquote": {
        const node = el("blockquote", "expandable");
        node.title = "Click to expand";
        node.addEventListener("click", () => node.classList.toggle("open"));
        return { node };
      }
      case "text_link": {
        const href = safeUrl(entity.url);
        if (!href) return { node: el("span", "bad-link") };
        const a = link(href);
        a.title = href;
        return { node: a, plain: true };
      }
      case "url": {
        const href = safeUrl(text);
        return { node: href ? link(href) : el("span"), plain: true };
      }
      case "email": {
        const a = el("a");
        a.href = `mailto:${text}`;
        return { node: a, plain: true };
      }
      case "phone_number": {
        const a = el("a");
        a.href = `tel:${text.replace(/[^0-9+]/g, "")}`;
        return { node: a, plain: true };
      }
      case "bot_command": {
        const a = commandLink(text);
        a.textContent = "";
        return { node: a, plain: true };
      }
      case "mention": case "text_mention": case "hashtag": case "cashtag":
        return { node: el("span", "mention"), plain: true };
      default: return { node: el("span") };
    }
  }

  function renderRange(parent, text, entities, start, end, linkCommands) {
    let position = start;
    let index = 0;
    while (index < entities.length) {
      const entity = entities[index];
      const entityStart = Math.max(entity.offset, start);
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entityStart < position || entityEnd <= entityStart) {
        index += 1; // overlapping or empty: shown as plain text
        continue;
      }
      appendText(parent, text.slice(position, entityStart), linkCommands);
      const inner = [];
      let next = index + 1;
      while (next < entities.length && entities[next].offset < entityEnd) {
        inner.push(entities[next]);
        next += 1;
      }
      const made = entityNode(entity, text.slice(entityStart, entityEnd));
      renderRange(made.inner || made.node, text, inner, entityStart, entityEnd, linkCommands && !made.plain);
      parent.appendChild(made.node);
      position = entityEnd;
      index = next;
    }
    appendText(parent, text.slice(position, end), linkCommands);
  }

  function renderFormatted(parent, text, entities, linkCommands) {
    const valid = (entities || []).filter((e) => e && Number.isInteger(e.offset) && Number.isInteger(e.length) &&
      e.offset >= 0 && e.length > 0 && typeof e.type === "string");
    valid.sort((a, b) => a.offset - b.offset || b.length - a.length);
    renderRange(parent, text || "", valid, 0, (text || "").length, linkCommands);
  }

  // ------------------------------------------------------------------ messages

  function metaNode(view, overlay) {
    const meta = el("span", overlay ? "meta overlay" : "meta");
    if (view.edited) meta.appendChild(el("span", "edited", "edited"));
    const time = el("time", null, fmt("time", view.date * 1000));
    time.dateTime = new Date(view.date * 1000).toISOString();
    meta.appendChild(time);
    if (view.side === "user") {
      const ticks = el("span", "ticks");
      ticks.setAttribute("aria-label", "read");
      ticks.textContent = "✓✓";
      meta.appendChild(ticks);
    }
    return meta;
  }

  function buildMessage(view) {
    const row = el("div", `row ${view.side}`);
    row.dataset.id = String(view.id);
    const bubble = el("div", "bubble");
    row.appendChild(bubble);
    if (view.reply_to) {
      const quote = el("div", `reply-quote ${view.reply_to.side}`);
      quote.appendChild(el("span", "reply-name", view.reply_to.side === "bot" ? "Sourdough Bot" : "You"));
      quote.appendChild(el("span", "reply-text", view.reply_to.text || "…"));
      bubble.appendChild(quote);
    }
    const hasText = Boolean(view.text);
    if (view.photo) {
      bubble.classList.add("has-photo");
      const a = link(view.photo.url, "photo");
      const img = el("img");
      img.src = view.photo.url;
      img.alt = view.text || "Photo";
      img.loading = "eager";
      img.decoding = "async";
      if (view.photo.width && view.photo.height) {
        img.width = view.photo.width;
        img.height = view.photo.height;
        a.style.aspectRatio = `${view.photo.width} / ${view.photo.height}`;
      }
      a.addEventListener("click", (event) => {
        event.preventDefault();
        openLightbox(view.photo.url, img.alt);
      });
      a.appendChild(img);
      if (!hasText) a.appendChild(metaNode(view, true));
      bubble.appendChild(a);
    }
    if (view.document) {
      const doc = link(view.document.url, "document");
      doc.download = view.document.name;
      doc.title = `Download ${view.document.name}`;
      const ext = (view.document.name.split(".").pop() || "").slice(0, 4).toUpperCase();
      const icon = el("span", "doc-icon");
      icon.appendChild(el("span", "doc-ext", ext && ext !== view.document.name.toUpperCase() ? ext : "FILE"));
      doc.appendChild(icon);
      const info = el("span", "doc-info");
      info.appendChild(el("span", "doc-name", view.document.name));
      info.appendChild(el("span", "doc-size", `${humanSize(view.document.size)} · Download`));
      doc.appendChild(info);
      bubble.appendChild(doc);
    }
    if (hasText || (!view.photo && !view.document)) {
      const text = el("div", "text");
      renderFormatted(text, view.text, view.entities, view.side === "bot");
      const spacer = metaNode(view, false);
      spacer.className = "meta-spacer";
      spacer.setAttribute("aria-hidden", "true");
      text.appendChild(spacer);
      bubble.appendChild(text);
      bubble.appendChild(metaNode(view, false));
    } else if (view.document) {
      bubble.appendChild(metaNode(view, false));
    }
    if (view.buttons && view.buttons.length) {
      row.classList.add("has-keyboard");
      const keyboard = el("div", "keyboard");
      for (const line of view.buttons) {
        const lineNode = el("div", "kb-row");
        for (const button of line) lineNode.appendChild(buildButton(view, button));
        keyboard.appendChild(lineNode);
      }
      row.appendChild(keyboard);
    }
    return row;
  }

  function buildButton(view, button) {
    if (button.url !== undefined) {
      const href = safeUrl(button.url);
      const a = href ? link(href, "kb-btn url") : el("span", "kb-btn disabled");
      a.appendChild(el("span", "kb-text", button.text));
      return a;
    }
    const node = el("button", "kb-btn");
    node.type = "button";
    node.appendChild(el("span", "kb-text", button.text));
    if (button.data === undefined) {
      node.disabled = true;
      node.title = "This kind of button is not supported in the sandbox";
    } else {
      node.addEventListener("click", () => press(view.id, button.data, node));
    }
    return node;
  }

  function dayGroup(ms) {
    const group = el("section", "day");
    group.dataset.day = fmt("key", ms);
    group.dataset.ms = String(ms);
    const separator = el("div", "day-separator");
    separator.appendChild(el("span", null, dayLabel(ms)));
    group.appendChild(separator);
    return group;
  }

  // "Today", "Yesterday"… are relative to the bot's clock: written again when its day changes.
  function relabelDays() {
    state.today = fmt("key", botNow());
    for (const group of $("messages").children) {
      const label = group.querySelector(".day-separator span");
      if (label) label.textContent = dayLabel(Number(group.dataset.ms));
    }
    updateDateChip();
  }

  // The floating date: the day of the topmost message in view, in its own band above the chat
  // (it never covers a message); hidden while that day's own separator is in view.
  function updateDateChip() {
    const chip = $("date-chip");
    const top = $("chat").getBoundingClientRect().top;
    let current = null;
    if (!$("messages").hidden) {
      for (const group of $("messages").children) {
        if (group.getBoundingClientRect().bottom > top + 1) {
          current = group;
          break;
        }
      }
    }
    const separator = current && current.querySelector(".day-separator");
    if (!separator || separator.getBoundingClientRect().top >= top - 1) {
      chip.hidden = true;
      return;
    }
    chip.textContent = separator.textContent;
    chip.hidden = false;
  }

  // Messages sit in one group per day (of the bot's clock), each under its date.
  function appendMessage(view) {
    const container = $("messages");
    const ms = view.date * 1000;
    let group = container.lastElementChild;
    if (!group || group.dataset.day !== fmt("key", ms)) {
      group = dayGroup(ms);
      container.appendChild(group);
    }
    const previous = group.querySelector(".row:last-of-type");
    const previousEntry = previous ? state.messages.get(Number(previous.dataset.id)) : null;
    const node = buildMessage(view);
    if (previousEntry && previousEntry.view.side === view.side) {
      previous.classList.remove("tail");
      node.classList.add("follow");
    }
    node.classList.add("tail");
    group.appendChild(node);
    state.messages.set(view.id, { view, node });
    state.lastId = Math.max(state.lastId, view.id);
  }

  function renderAll(views) {
    $("messages").replaceChildren();
    state.messages.clear();
    state.lastId = 0;
    views.slice().sort((a, b) => a.id - b.id).forEach(appendMessage);
    state.today = fmt("key", botNow());
    updateEmpty();
  }

  function upsertMessage(view) {
    const atBottom = isNearBottom();
    const existing = state.messages.get(view.id);
    if (existing) {
      const node = buildMessage(view);
      for (const name of ["tail", "follow"]) {
        if (existing.node.classList.contains(name)) node.classList.add(name);
      }
      existing.node.replaceWith(node);
      existing.node = node;
      existing.view = view;
      node.classList.add("flash");
    } else if (view.id > state.lastId) {
      appendMessage(view);
      const entry = state.messages.get(view.id);
      entry.node.classList.add("appear");
      if (!atBottom && view.side === "bot") {
        state.unread += 1;
        updateToBottom();
      }
    } else {
      renderAll([...Array.from(state.messages.values(), (entry) => entry.view), view]);
    }
    updateEmpty();
    if (atBottom || (!existing && view.side === "user")) scrollToBottom(true);
  }

  function removeMessage(id) {
    const entry = state.messages.get(id);
    if (!entry) return;
    state.messages.delete(id);
    renderAll(Array.from(state.messages.values(), (e) => e.view));
  }

  function updateEmpty() {
    const empty = state.messages.size === 0;
    $("empty").hidden = !empty;
    $("messages").hidden = empty;
    updateDateChip();
  }

  // ------------------------------------------------------------------ scrolling

  function isNearBottom() {
    const chat = $("chat");
    return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 120;
  }

  function scrollToBottom(smooth) {
    const chat = $("chat");
    state.stick = true;
    requestAnimationFrame(() => {
      chat.scrollTo({ top: chat.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    });
    state.unread = 0;
    updateToBottom();
  }

  function updateToBottom() {
    const show = !isNearBottom();
    $("to-bottom").hidden = !show;
    if (!show) state.unread = 0;
    $("unread").hidden = state.unread === 0;
    $("unread").textContent = String(state.unread);
  }

  // ------------------------------------------------------------------ toasts, alerts, lightbox

  let toastTimer = null;
  function toast(text, kind) {
    const node = $("toast");
    node.textContent = text;
    node.className = `toast ${kind || ""}`;
    node.hidden = false;
    void node.offsetWidth;
    node.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      node.classList.remove("show");
      toastTimer = setTimeout(() => { node.hidden = true; }, 250);
    }, Math.min(6000, 1800 + text.length * 45));
  }

  function alertBox(text) {
    const dialog = $("alert");
    $("alert-text").textContent = text;
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      toast(text);
    }
  }

  function openLightbox(url, alt) {
    const img = $("lightbox-img");
    img.src = url;
    img.alt = alt;
    $("lightbox").hidden = false;
  }

  // ------------------------------------------------------------------ status line

  function setStatus() {
    const status = $("status");
    if (!state.connected) {
      status.textContent = "connecting…";
      status.className = "peer-status offline";
    } else if (state.typingTimer) {
      status.textContent = status.dataset.action || "typing…";
      status.className = "peer-status typing";
    } else {
      status.textContent = "bot";
      status.className = "peer-status";
    }
  }

  const ACTION_TEXT = {
    typing: "typing…",
    upload_photo: "sending a photo…",
    upload_document: "sending a file…",
    choose_sticker: "choosing a sticker…",
  };

  function showAction(action) {
    $("status").dataset.action = ACTION_TEXT[action] || "typing…";
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => {
      state.typingTimer = null;
      setStatus();
    }, 5000);
    setStatus();
  }

  function stopAction() {
    clearTimeout(state.typingTimer);
    state.typingTimer = null;
    setStatus();
  }

  // ------------------------------------------------------------------ connection

  function connect() {
    if (state.es) state.es.close();
    clearTimeout(state.reconnectTimer);
    state.connected = false;
    setStatus();
    state.buffered = [];
    const es = new EventSource(`/api/events?user=${encodeURIComponent(state.user)}`);
    state.es = es;
    es.addEventListener("hello", () => {
      if (es === state.es) loadState(es);
    });
    es.onmessage = (event) => {
      if (es !== state.es) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (state.buffered) state.buffered.push(data);
      else handleEvent(data);
    };
    es.onerror = () => {
      if (es !== state.es) return;
      es.close();
      state.connected = false;
      setStatus();
      state.reconnectTimer = setTimeout(connect, state.reconnectDelay);
      state.reconnectDelay = Math.min(state.reconnectDelay * 1.5, 5000);
    };
  }

  async function loadState(es) {
    try {
      const user = state.user;
      const [config, history] = await Promise.all([
        api(`/api/config?user=${user}`),
        api(`/api/history?user=${user}`),
      ]);
      if (es !== state.es) return;
      applyConfig(config);
      renderAll(history.messages);
      scrollToBottom(false);
      const queued = state.buffered || [];
      state.buffered = null;
      queued.forEach(handleEvent);
      state.connected = true;
      state.reconnectDelay = 800;
      setStatus();
    } catch {
      if (es === state.es) es.onerror();
    }
  }

  function handleEvent(event) {
    switch (event.type) {
      case "message":
        if (event.message.side === "bot") stopAction();
        upsertMessage(event.message);
        if (event.message.side === "bot") refreshClockSoon();
        break;
      case "delete":
        removeMessage(event.id);
        break;
      case "answer":
        settlePress(event.query_id);
        if (event.text) {
          if (event.show_alert) alertBox(event.text);
          else toast(event.text);
        }
        break;
      case "action":
        showAction(event.action);
        break;
      case "commands":
        state.commands = event.commands || [];
        break;
      case "clock":
        refreshClockSoon();
        break;
      default:
        break;
    }
  }

  function applyConfig(config) {
    state.users = config.users || [];
    state.commands = config.commands || [];
    state.limits = config.limits || state.limits;
    $("input").maxLength = state.limits.text;
    if (config.bot) {
      $("bot-name").textContent = config.bot.name;
      document.title = `${config.bot.name} · offline sandbox`;
    }
    setUserBadge(config.user.name);
    renderUserList();
    if (config.clock) setClock(config.clock);
  }

  // ------------------------------------------------------------------ users

  function initials(name) {
    const letters = Array.from((name || "?").trim());
    return (letters[0] || "?").toUpperCase();
  }

  const AVATAR_COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

  function colorFor(id) {
    let hash = 7;
    for (const digit of String(id)) hash = (hash * 31 + digit.charCodeAt(0)) % 9973;
    return AVATAR_COLORS[hash % AVATAR_COLORS.length];
  }

  function setUserBadge(name) {
    $("user-name").textContent = name;
    const avatar = $("user-avatar");
    avatar.textContent = initials(name);
    avatar.style.background = colorFor(state.user);
  }

  function renderUserList() {
    const list = $("user-list");
    list.replaceChildren();
    for (const user of state.users) {
      const item = el("button", "user-item");
      item.type = "button";
      item.setAttribute("role", "menuitemradio");
      item.setAttribute("aria-checked", String(user.id === state.user));
      const avatar = el("span", "avatar small", initials(user.name));
      avatar.style.background = colorFor(user.id);
      item.appendChild(avatar);
      const label = el("span", "user-item-label");
      label.appendChild(el("span", "user-item-name", user.name));
      label.appendChild(el("span", "user-item-id", `id ${user.id}`));
      item.appendChild(label);
      if (user.id === state.user) item.appendChild(el("span", "check", "✓"));
      item.addEventListener("click", () => {
        closeUserMenu();
        switchUser(user.id);
      });
      list.appendChild(item);
    }
  }

  function openUserMenu() {
    $("user-menu").hidden = false;
    $("user-button").setAttribute("aria-expanded", "true");
  }

  function closeUserMenu() {
    $("user-menu").hidden = true;
    $("user-button").setAttribute("aria-expanded", "false");
  }

  function parseUserId(raw) {
    const text = String(raw || "").trim();
    if (!/^\d{1,16}$/.test(text)) return null;
    const id = Number(text);
    return id >= 1 && id <= MAX_USER_ID ? id : null;
  }

  // `register`: a user typed in by id (and maybe a name) is saved so the menu lists them.
  async function switchUser(id, register, name) {
    if (register) {
      try {
        const result = await api("/api/users", { method: "POST", body: name ? { id, name } : { id } });
        name = result.user.name;
        state.users = result.users;
      } catch (error) {
        toast(error.message, "error");
        return;
      }
    }
    const changed = id !== state.user;
    state.user = id;
    try {
      localStorage.setItem("sandbox.user", String(id));
    } catch {
      /* private mode */
    }
    if (location.hash !== `#user=${id}`) history.replaceState(null, "", `#user=${id}`);
    const known = state.users.find((user) => user.id === id);
    setUserBadge(name || (known ? known.name : `User ${id}`));
    if (changed) {
      state.messages.clear();
      $("messages").replaceChildren();
      state.lastId = 0;
      $("empty").hidden = true;
      updateDateChip();
      if (state.clock) {
        state.clock = Object.assign({}, state.clock, { next_due_ms: null }); // the next user's comes with the config
        renderClock();
      }
    }
    state.formats = null;
    connect();
  }

  function initialUser() {
    const fromHash = /user=(\d+)/.exec(location.hash);
    const candidates = [fromHash && fromHash[1]];
    try {
      candidates.push(localStorage.getItem("sandbox.user"));
    } catch {
      /* private mode */
    }
    for (const candidate of candidates) {
      const id = parseUserId(candidate);
      if (id) return id;
    }
    return DEFAULT_USER;
  }

  // ------------------------------------------------------------------ clock

  function setClock(clock) {
    const zoneChanged = !state.clock || state.clock.zone !== clock.zone;
    state.clock = clock;
    state.clockBase = performance.now();
    if (zoneChanged) {
      state.formats = null;
      if (state.messages.size) renderAll(Array.from(state.messages.values(), (e) => e.view));
    }
    renderClock();
  }

  function renderClock() {
    if (!state.clock) return;
    const now = botNow();
    if (state.today !== null && state.today !== fmt("key", now)) relabelDays();
    $("clock-time").textContent = fmt("short", now);
    const offset = $("clock-offset");
    const ahead = state.clock.offset_s;
    offset.hidden = ahead < 60;
    offset.textContent = `+${humanDuration(ahead)}`;
    offset.title = `The bot's clock is ${humanDuration(ahead)} ahead of real time`;
    const next = state.clock.next_due_ms;
    const button = $("next-button");
    button.disabled = !next;
    if (next) {
      const sameDay = fmt("key", next) === fmt("key", now);
      $("next-at").textContent = sameDay ? fmt("time", next) : fmt("short", next);
      button.title = `Jump to the next pending reminder (${fmt("short", next)})`;
    } else {
      $("next-at").textContent = "";
      button.title = "No reminder is pending";
    }
  }

  async function refreshClock() {
    const user = state.user;
    try {
      const clock = await api(`/api/clock?user=${user}`);
      if (user === state.user) setClock(clock);
    } catch {
      /* offline: the connection logic retries */
    }
  }

  function refreshClockSoon() {
    clearTimeout(state.clockRefresh);
    state.clockRefresh = setTimeout(refreshClock, 250);
  }

  async function travel(body, button) {
    const buttons = document.querySelectorAll(".travel-btn");
    buttons.forEach((b) => { b.disabled = true; });
    button.classList.add("busy");
    try {
      const result = await api("/api/clock/advance", { method: "POST", body });
      if (body.user === undefined || body.user === state.user) setClock(result.clock);
      else refreshClockSoon();
      $("timebar").classList.remove("jumped");
      void $("timebar").offsetWidth;
      $("timebar").classList.add("jumped");
      toast(`⏩ ${humanDuration(result.advanced_s)} later`);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button.classList.remove("busy");
      buttons.forEach((b) => { b.disabled = false; });
      renderClock();
    }
  }

  // ------------------------------------------------------------------ sending

  async function sendText(text) {
    if (!text.trim()) return false;
    if (text.length > state.limits.text) {
      toast(`That message is too long: Telegram allows ${state.limits.text} characters.`, "error");
      return false;
    }
    hideCommands();
    try {
      const result = await api("/api/send", { method: "POST", body: { user: state.user, text } });
      upsertMessage(result.message);
      scrollToBottom(true);
      return true;
    } catch (error) {
      toast(error.message, "error");
      return false;
    }
  }

  async function submitInput() {
    const input = $("input");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    autosize();
    const sent = await sendText(text);
    if (!sent && !input.value) {
      input.value = text;
      autosize();
    }
    input.focus();
  }

  async function press(messageId, data, button) {
    if (button.classList.contains("pending")) return;
    button.classList.add("pending");
    const clear = () => button.classList.remove("pending");
    try {
      const result = await api("/api/press", {
        method: "POST",
        body: { user: state.user, message_id: messageId, data },
      });
      if (state.answered.has(result.query_id)) {
        state.answered.delete(result.query_id);
        clear();
      } else {
        state.pending.set(result.query_id, button);
        setTimeout(() => {
          if (state.pending.get(result.query_id) === button) {
            state.pending.delete(result.query_id);
            clear();
          }
        }, 4000);
      }
    } catch (error) {
      clear();
      toast(error.message, "error");
    }
  }

  function settlePress(queryId) {
    const button = state.pending.get(queryId);
    if (button) {
      state.pending.delete(queryId);
      button.classList.remove("pending");
    } else {
      state.answered.add(queryId);
      if (state.answered.size > 50) state.answered.clear();
    }
  }

  async function sendFile(file) {
    if (!file) return;
    if (file.size === 0) {
      toast("That file is empty.", "error");
      return;
    }
    if (file.size > state.limits.file) {
      toast(`That file is too large: the bot takes up to ${humanSize(state.limits.file)}.`, "error");
      return;
    }
    const form = new FormData();
    form.append("user", String(state.user));
    form.append("file", file, file.name);
    try {
      const result = await api("/api/upload", { method: "POST", form });
      upsertMessage(result.message);
      scrollToBottom(true);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // ------------------------------------------------------------------ the command menu

  function matchingCommands() {
    const value = $("input").value;
    if (!/^\/[A-Za-z0-9_]*$/.test(value)) return null;
    const prefix = value.slice(1).toLowerCase();
    return state.commands.filter((c) => c.command.startsWith(prefix));
  }

  function showCommands(list) {
    const box = $("commands");
    if (!list || !list.length) {
      hideCommands();
      return;
    }
    state.commandItems = list;
    state.commandIndex = Math.min(state.commandIndex, list.length - 1);
    // Between the composer and the date band: the menu never slides under the floating date.
    const room = box.parentElement.getBoundingClientRect().top - $("date-band").getBoundingClientRect().bottom;
    box.style.maxHeight = `${Math.max(48, Math.min(320, room - 8))}px`;
    box.replaceChildren();
    list.forEach((command, index) => {
      const item = el("div", "command-item");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(index === state.commandIndex));
      item.appendChild(el("span", "command-name", `/${command.command}`));
      item.appendChild(el("span", "command-desc", command.description));
      item.addEventListener("mousedown", (event) => event.preventDefault());
      item.addEventListener("click", () => {
        $("input").value = "";
        autosize();
        sendText(`/${command.command}`);
      });
      box.appendChild(item);
    });
    box.hidden = false;
    const selected = state.commandIndex >= 0 ? box.children[state.commandIndex] : null;
    if (selected) selected.scrollIntoView({ block: "nearest" });
  }

  function hideCommands() {
    $("commands").hidden = true;
    state.commandItems = [];
    state.commandIndex = -1;
  }

  function commandsOpen() {
    return !$("commands").hidden && state.commandItems.length > 0;
  }

  // ------------------------------------------------------------------ input

  function autosize() {
    const input = $("input");
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    $("send").classList.toggle("ready", input.value.trim().length > 0);
  }

  function onKeyDown(event) {
    if (commandsOpen()) {
      const count = state.commandItems.length;
      const picked = state.commandIndex >= 0 ? state.commandItems[state.commandIndex] : null;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const down = event.key === "ArrowDown";
        state.commandIndex = picked ? (state.commandIndex + (down ? 1 : count - 1)) % count : (down ? 0 : count - 1);
        showCommands(state.commandItems);
        return;
      }
      if (event.key === "Tab") {
        event.preventDefault();
        $("input").value = `/${(picked || state.commandItems[0]).command} `;
        hideCommands();
        autosize();
        return;
      }
      if (event.key === "Escape") {
        hideCommands();
        return;
      }
      // Enter sends what was typed; a suggestion only when the arrow keys picked it.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && picked) {
        event.preventDefault();
        $("input").value = `/${picked.command}`;
        submitInput();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitInput();
    }
  }

  // ------------------------------------------------------------------ wiring

  function bind() {
    const input = $("input");
    input.addEventListener("keydown", onKeyDown);
    input.addEventListener("input", () => {
      autosize();
      state.commandIndex = -1;
      showCommands(matchingCommands());
    });
    input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== input) hideCommands();
    }, 150));
    $("send").addEventListener("click", submitInput);
    $("menu-button").addEventListener("mousedown", (event) => event.preventDefault());
    $("menu-button").addEventListener("click", () => {
      if (commandsOpen()) {
        hideCommands();
      } else {
        state.commandIndex = -1;
        showCommands(state.commands);
        if (!state.commands.length) toast("The bot has not published any commands yet.");
        input.focus();
      }
    });
    $("attach").addEventListener("click", () => $("file").click());
    $("file").addEventListener("change", () => {
      const file = $("file").files[0];
      $("file").value = "";
      sendFile(file);
    });
    $("start-button").addEventListener("click", () => sendText("/start"));
    $("to-bottom").addEventListener("click", () => scrollToBottom(true));
    $("chat").addEventListener("scroll", () => {
      state.stick = isNearBottom();
      updateToBottom();
      updateDateChip();
    }, { passive: true });
    window.addEventListener("resize", () => {
      updateDateChip();
      if (commandsOpen()) showCommands(state.commandItems); // fitted again above the composer
    });
    // Late layout (images, fonts) must not leave the chat short of its newest message.
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => {
        if (state.stick) $("chat").scrollTop = $("chat").scrollHeight;
        updateDateChip();
      }).observe($("messages"));
    }

    $("user-button").addEventListener("click", (event) => {
      event.stopPropagation();
      if ($("user-menu").hidden) openUserMenu();
      else closeUserMenu();
    });
    $("user-menu").addEventListener("click", (event) => event.stopPropagation());
    document.addEventListener("click", closeUserMenu);
    $("user-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const id = parseUserId($("user-form-id").value);
      if (!id) {
        toast(`A user id is a whole number from 1 to ${MAX_USER_ID}.`, "error");
        return;
      }
      const name = $("user-form-name").value.trim();
      closeUserMenu();
      $("user-form").reset();
      switchUser(id, true, name || undefined);
    });

    for (const button of document.querySelectorAll(".travel-btn")) {
      button.addEventListener("click", () => {
        const body = button.dataset.next !== undefined
          ? { to: "next", user: state.user }
          : { minutes: Number(button.dataset.minutes), user: state.user };
        travel(body, button);
      });
    }

    $("lightbox").addEventListener("click", () => { $("lightbox").hidden = true; });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        $("lightbox").hidden = true;
        closeUserMenu();
      }
    });

    const chat = $("chat");
    let dragDepth = 0;
    chat.addEventListener("dragenter", (event) => {
      if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      dragDepth += 1;
      $("drop-hint").hidden = false;
    });
    chat.addEventListener("dragleave", () => {
      dragDepth = Math.max(0, dragDepth - 1);
      if (!dragDepth) $("drop-hint").hidden = true;
    });
    chat.addEventListener("dragover", (event) => event.preventDefault());
    chat.addEventListener("drop", (event) => {
      event.preventDefault();
      dragDepth = 0;
      $("drop-hint").hidden = true;
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) sendFile(file);
    });

    window.addEventListener("hashchange", () => {
      const match = /user=(\d+)/.exec(location.hash);
      const id = match && parseUserId(match[1]);
      if (id && id !== state.user) switchUser(id);
    });
    setInterval(renderClock, 1000);
    setInterval(refreshClock, 60000);
  }

  function start() {
    bind();
    autosize();
    switchUser(initialUser());
    $("input").focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
