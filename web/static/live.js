/* AutoStack dashboard: the live parts. Every page works without this file; it only
 * enhances them:
 * - elements with data-deployment="<id>" follow that deployment's Server-Sent Events
 *   (/api/v1/deployments/<id>/events): state badges, progress bars, build steps and log
 *   lines update in place, and once the deployment ends the element (or the watched
 *   element holding it) is re-rendered from the server (with htmx) to show its final URL,
 *   timings and actions;
 * - an element with data-watch="<url>" follows a project's or a team's deployments
 *   (/api/v1/projects/<name>/events, /api/v1/teams/<slug>/events): when a deployment
 *   appears that the element does not show yet, one it shows changes while no stream
 *   follows it, or an alias moves (production after a deploy, a promote or a rollback;
 *   a preview), the element is re-rendered from the server and followed again;
 * - an element with data-runtime-log="<id>" follows that deployment's runtime logs
 *   (/api/v1/deployments/<id>/runtime-logs/events) and appends each new line;
 * - the team switcher submits on change; a typed confirmation enables its button; a form
 *   with data-ask="<question>" is sent only once the question is confirmed;
 * - commands (pre.snippet) and values shown once or to paste elsewhere (tokens,
 *   invitation links, deploy-hook URLs: input.mono[readonly]) get a Copy button.
 */
(() => {
  "use strict";
  const FINAL = new Set(["ready", "error", "canceled"]);
  // The same numbers as autostack_web.formatting.PROGRESS.
  const PROGRESS = { queued: 5, clone: 15, upload: 25, build: 45, deploying: 90 };
  // Browsers open at most six HTTP/1.1 connections per host; leave some for navigation
  // (and one for a data-watch stream).
  const MAX_STREAMS = 3;
  const followed = new Set();

  const title = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  function duration(seconds) {
    if (seconds < 10) return `${seconds.toFixed(1)}s`;
    if (seconds < 60) return `${Math.round(seconds)}s`;
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)}m ${whole % 60}s`;
  }

  function progressOf(state, step) {
    if (FINAL.has(state)) return 100;
    if (state === "building") return PROGRESS[step] || PROGRESS.clone;
    return PROGRESS[state] || 0;
  }

  function showState(root, state, step) {
    root.querySelectorAll('[data-live="state"]').forEach((badge) => {
      badge.className = `badge state-${state}`;
      badge.textContent = title(state);
    });
    root.querySelectorAll('[data-live="progress"]').forEach((bar) => {
      const value = progressOf(state, step);
      bar.setAttribute("aria-valuenow", String(value));
      bar.firstElementChild.className = `done-${value}`;
    });
  }

  // Markdown code spans (`npm run build`) as <code>, as the code_spans filter renders them:
  // built from text nodes, so a line never becomes HTML.
  function withCodeSpans(element, text) {
    text.split(/`([^`]+)`/).forEach((part, index) => {
      if (index % 2 === 0) {
        if (part) element.append(part);
        return;
      }
      const code = document.createElement("code");
      code.textContent = part;
      element.append(code);
    });
  }

  const atBottomOf = (log) => log.scrollTop + log.clientHeight >= log.scrollHeight - 24;

  function appendLine(log, line, codeSpans = false) {
    const item = document.createElement("li");
    item.className = `line stream-${line.stream}`;
    const time = document.createElement("time");
    time.dateTime = line.timestamp;
    time.textContent = line.timestamp.slice(11, 19);
    const step = document.createElement("span");
    step.className = "line-step";
    step.textContent = line.step;
    const text = document.createElement("span");
    text.className = "line-text";
    if (codeSpans) withCodeSpans(text, line.line);
    else text.textContent = line.line;
    item.append(time, step, text);
    const atBottom = atBottomOf(log);
    log.append(item);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  const spanOf = (item) => (Date.parse(item.dataset.ended) - Date.parse(item.dataset.started)) / 1000;

  function showStepTime(item) {
    const seconds = Number(item.dataset.spent || 0) + spanOf(item);
    item.querySelector(".step-time").textContent = duration(Math.max(seconds, 0));
  }

  // Each step once, as autostack_web.deployment_page.steps_of says: a step lasts until the
  // next one starts, and a step that runs again adds up in its first chip.
  function advanceSteps(list, line) {
    const chip = (name) => name && list.querySelector(`[data-step="${CSS.escape(name)}"]`);
    const current = chip(list.dataset.current);
    if (current) {
      current.dataset.ended = line.timestamp;
      showStepTime(current);
      if (current.dataset.step === line.step) return;
    }
    list.dataset.current = line.step === "done" ? "" : line.step;
    if (line.step === "done") return;
    const again = chip(line.step);
    if (again) {
      again.dataset.spent = String(Number(again.dataset.spent || 0) + Math.max(spanOf(again), 0));
      again.dataset.started = line.timestamp;
      again.dataset.ended = line.timestamp;
      showStepTime(again);
      return;
    }
    const item = document.createElement("li");
    item.dataset.step = line.step;
    item.dataset.started = line.timestamp;
    item.dataset.ended = line.timestamp;
    item.dataset.spent = "0";
    const name = document.createElement("span");
    name.className = "step-name";
    name.textContent = title(line.step);
    const time = document.createElement("span");
    time.className = "step-time";
    item.append(name, " ", time);
    list.append(item);
    showStepTime(item);
  }

  function refresh(root) {
    if (!window.htmx || !root.id) return Promise.resolve();
    const target = `#${CSS.escape(root.id)}`;
    return window.htmx.ajax("GET", window.location.href,
      { target, select: target, swap: "outerHTML" });
  }

  // The elements showing a deployment now: a re-rendered region holds new ones.
  const showing = (id) => [...document.querySelectorAll(`[data-deployment="${CSS.escape(id)}"]`)];

  // What to re-render once a deployment ends: the watched region holding it (a project
  // page's production card and previews change with it), else the element itself.
  function regionsOf(roots) {
    return [...new Set(roots.map((root) => root.closest("[data-watch][id]") || root))];
  }

  function follow(id, roots) {
    const base = `/api/v1/deployments/${encodeURIComponent(id)}`;
    const withLog = roots.find((root) => root.dataset.lastLog !== undefined);
    const log = withLog && document.querySelector('[data-live="log"]');
    const steps = withLog && document.querySelector('[data-live="steps"]');
    let lastLog = withLog ? Number(withLog.dataset.lastLog) : 0;
    let state = null;
    let step = null;
    let done = false;

    function show(line) {
      if (line.step === "done") done = true;
      else step = line.step;
      if (!log || line.id <= lastLog) return;
      lastLog = line.id;
      document.querySelector('[data-live="waiting"]')?.remove();
      appendLine(log, line, true);
      if (steps) advanceSteps(steps, line);
    }

    // The stream may end before the pipeline's last lines (a deployment is final first):
    // read the rest of the log until its "done" line.
    async function drain() {
      for (let attempt = 0; log && !done && attempt < 30; attempt += 1) {
        const response = await fetch(`${base}/logs?since=${lastLog}`);
        if (!response.ok) return;
        (await response.json()).lines.forEach(show);
        if (!done) await new Promise((resolve) => { setTimeout(resolve, 1000); });
      }
    }

    // A live log starts at its newest line, so that it follows the lines to come.
    if (log) log.scrollTop = log.scrollHeight;
    const source = new EventSource(`${base}/events`);
    source.addEventListener("log", (event) => {
      show(JSON.parse(event.data));
      if (state) showing(id).forEach((root) => showState(root, state, step));
    });
    source.addEventListener("state", (event) => {
      state = JSON.parse(event.data).state;
      showing(id).forEach((root) => showState(root, state, step));
    });
    source.addEventListener("end", () => {
      source.close();
      followed.delete(id);
      Promise.all(regionsOf(showing(id)).map(refresh)).then(followAll);
      drain();
    });
  }

  function followAll() {
    const byId = new Map();
    document.querySelectorAll("[data-deployment]").forEach((root) => {
      const id = root.dataset.deployment;
      if (followed.has(id)) return;
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(root);
    });
    [...byId.entries()].slice(0, MAX_STREAMS - followed.size).forEach(([id, roots]) => {
      followed.add(id);
      follow(id, roots);
    });
  }

  // Re-render a watched list when it misses a deployment or shows a stale state.
  function watch(root) {
    const source = new EventSource(root.dataset.watch);
    let pending = Promise.resolve();
    source.addEventListener("deployment", (event) => {
      const { id, state } = JSON.parse(event.data);
      if (followed.has(id)) return;
      const current = document.getElementById(root.id);
      const shown = current && current.querySelector(`[data-shows="${CSS.escape(id)}"]`);
      const badge = shown && shown.querySelector('[data-live="state"]');
      if (badge && badge.textContent.trim().toLowerCase() === state) return;
      pending = pending.then(() => refresh(current || root)).then(followAll);
    });
    source.addEventListener("alias", () => {
      pending = pending.then(() => refresh(document.getElementById(root.id) || root))
        .then(followAll);
    });
  }

  // Runtime log lines name their source (a replica, the supervisor) where build lines name a step.
  function followRuntime(log) {
    const id = encodeURIComponent(log.dataset.runtimeLog);
    const source = new EventSource(`/api/v1/deployments/${id}/runtime-logs/events`);
    source.addEventListener("log", (event) => {
      const line = JSON.parse(event.data);
      document.querySelector("[data-runtime-waiting]")?.remove();
      appendLine(log, { ...line, step: line.source });
    });
  }

  function enhanceForms() {
    document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.requestSubmit());
    });
    // Capture phase: asked before htmx or the browser sends the form.
    document.addEventListener("submit", (event) => {
      const question = event.target.dataset && event.target.dataset.ask;
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      const input = form.querySelector('input[name="confirm"]');
      const button = form.querySelector('button[type="submit"]');
      const check = () => { button.disabled = input.value !== form.dataset.confirm; };
      input.addEventListener("input", check);
      check();
    });
  }

  function nameOf(element) {
    if (element.getAttribute("aria-label")) return element.getAttribute("aria-label");
    const label = element.id && document.querySelector(`label[for="${CSS.escape(element.id)}"]`);
    return label ? label.textContent.trim() : "command";
  }

  function addCopyButtons() {
    document.querySelectorAll("pre.snippet, input.mono[readonly]").forEach((element) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary small copy";
      // Named by its text (not aria-label), so the value's own label names only the value.
      const said = document.createElement("span");
      said.textContent = "Copy";
      const what = document.createElement("span");
      what.className = "visually-hidden";
      what.textContent = ` ${nameOf(element)}`;
      button.append(said, what);
      button.addEventListener("click", async () => {
        const text = element.value !== undefined ? element.value : element.textContent;
        try {
          await navigator.clipboard.writeText(text);
          said.textContent = "Copied";
        } catch {
          if (element.select) element.select();
          said.textContent = "Press Ctrl+C";
        }
        setTimeout(() => { said.textContent = "Copy"; }, 2000);
      });
      element.after(button);
    });
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", () => {
    enhanceForms();
    addCopyButtons();
    followAll();
    document.querySelectorAll("[data-watch][id]").forEach(watch);
    document.querySelectorAll("[data-runtime-log]").forEach(followRuntime);
  });
})();
