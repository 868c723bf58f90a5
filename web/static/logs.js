/* AutoStack dashboard: the project Logs page's live lines. The page works without this
 * file; it follows the element with data-logs-live="<url>" (the logs API's Server-Sent
 * Events with the page's filters, /api/v1/projects/<name>/logs/events) and appends each
 * new line, keeping the view at the bottom when it was there.
 */
(() => {
  "use strict";
  const MAX_LINES = 2000;

  function lineItem(line) {
    const item = document.createElement("li");
    item.className = `line stream-${line.stream} level-${line.level}`;
    item.dataset.level = line.level;
    const time = document.createElement("time");
    time.dateTime = line.timestamp;
    time.textContent = line.timestamp.slice(11, 19);
    const source = document.createElement("span");
    source.className = "line-step";
    source.textContent = line.source;
    const text = document.createElement("span");
    text.className = "line-text";
    text.textContent = line.line;
    item.append(time, source, text);
    return item;
  }

  function followLogs(log) {
    const events = new EventSource(log.dataset.logsLive);
    events.addEventListener("log", (event) => {
      document.querySelector("[data-logs-waiting]")?.remove();
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
      log.append(lineItem(JSON.parse(event.data)));
      while (log.childElementCount > MAX_LINES) log.firstElementChild.remove();
      if (atBottom) log.scrollTop = log.scrollHeight;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-logs-live]").forEach(followLogs);
  });
})();
